#include "workers/server.h"

#include <grpcpp/ext/proto_server_reflection_plugin.h>
#include <grpcpp/health_check_service_interface.h>

#include <climits>
#include <utility>

#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "common/log.h"
#include "common/status_macros.h"
#include "workers/annotator_service.h"
#include "workers/worker_service.h"

namespace qalam {
namespace {

// The names health reports on (besides "", the server as a whole).
constexpr const char* kServiceNames[] = {"qalam.v1.Worker", "qalam.v1.Annotator"};

bool IsUnixAddress(absl::string_view addr) {
  return absl::StartsWith(addr, "unix:") || absl::StartsWith(addr, "unix-abstract:");
}

}  // namespace

WorkerServer::WorkerServer() = default;

absl::StatusOr<std::unique_ptr<WorkerServer>> WorkerServer::Start(WorkerServerOptions options) {
  if (options.max_message_bytes == 0) {
    return absl::InvalidArgumentError("the maximum message size must be positive");
  }
  if (options.runtime.limits.max_response_bytes == 0) {
    options.runtime.limits.max_response_bytes = options.max_message_bytes;
  }
  const int max_message =
      static_cast<int>(std::min<size_t>(options.max_message_bytes, static_cast<size_t>(INT_MAX)));

  std::unique_ptr<WorkerServer> s(new WorkerServer());
  // Loads and warms up everything before the port opens.
  QALAM_ASSIGN_OR_RETURN(s->runtime_, WorkerRuntime::Create(options.runtime));
  s->worker_service_ = std::make_unique<WorkerService>(s->runtime_.get());
  s->annotator_service_ = std::make_unique<AnnotatorService>(s->runtime_.get());

  grpc::EnableDefaultHealthCheckService(true);
  grpc::reflection::InitProtoReflectionServerBuilderPlugin();
  grpc::ServerBuilder builder;
  std::shared_ptr<grpc::ServerCredentials> creds =
      options.credentials ? options.credentials : grpc::InsecureServerCredentials();
  int port = 0;
  builder.AddListeningPort(options.listen, creds, &port);
  builder.RegisterService(s->worker_service_.get());
  builder.RegisterService(s->annotator_service_.get());
  builder.SetMaxReceiveMessageSize(max_message);
  builder.SetMaxSendMessageSize(max_message);
  // Accept the keepalive pings of long-lived client channels (the
  // coordinator's) instead of closing them with "too_many_pings".
  builder.AddChannelArgument(GRPC_ARG_HTTP2_MIN_RECV_PING_INTERVAL_WITHOUT_DATA_MS, 10000);
  builder.AddChannelArgument(GRPC_ARG_KEEPALIVE_PERMIT_WITHOUT_CALLS, 1);
  // gRPC sets SO_REUSEPORT by default, which would let a second worker
  // silently share a port already in use; an address in use is an error.
  builder.AddChannelArgument(GRPC_ARG_ALLOW_REUSEPORT, 0);
  // gRPC sizes each connection's read buffer from its bandwidth estimate, up
  // to several MiB per connection, and a burst on many connections at once
  // shows up as tens of MiB of RSS that glibc does not always give back.
  // Reading in chunks of at most 256 KiB keeps memory flat; messages of any
  // size still arrive (in more reads).
  builder.AddChannelArgument(GRPC_ARG_TCP_MAX_READ_CHUNK_SIZE, 256 << 10);
  s->server_ = builder.BuildAndStart();
  if (s->server_ == nullptr || (port == 0 && !IsUnixAddress(options.listen))) {
    if (s->server_ != nullptr) {
      s->server_->Shutdown();
      s->server_.reset();
    }
    return absl::UnavailableError(
        absl::StrCat("cannot listen on '", options.listen,
                     "' (address in use, not a local address, or not host:port / unix:/path)"));
  }
  s->port_ = IsUnixAddress(options.listen) ? 0 : port;
  s->address_ = options.listen;
  if (!IsUnixAddress(options.listen) && absl::EndsWith(options.listen, ":0")) {
    s->address_ = absl::StrCat(options.listen.substr(0, options.listen.size() - 1), port);
  }

  grpc::HealthCheckServiceInterface* health = s->server_->GetHealthCheckService();
  health->SetServingStatus(false);  // gRPC starts "" as SERVING
  for (const char* name : kServiceNames) health->SetServingStatus(name, false);
  // Everything is loaded (the runtime was built above): ready.
  health->SetServingStatus(true);
  return s;
}

WorkerServer::~WorkerServer() {
  if (server_ != nullptr) Shutdown(absl::ZeroDuration());
}

bool WorkerServer::draining() const {
  absl::MutexLock l(&mu_);
  return draining_;
}

void WorkerServer::SetServing(bool serving) {
  absl::MutexLock l(&mu_);
  if (draining_) return;
  grpc::HealthCheckServiceInterface* health = server_->GetHealthCheckService();
  health->SetServingStatus(serving);
  for (const char* name : kServiceNames) health->SetServingStatus(name, serving);
}

void WorkerServer::Shutdown(absl::Duration grace) {
  absl::MutexLock serial(&shutdown_mu_);
  {
    absl::MutexLock l(&mu_);
    if (shut_down_) return;
    draining_ = true;
  }
  const absl::Time deadline = absl::Now() + grace;
  server_->GetHealthCheckService()->Shutdown();
  runtime_->inflight().StartDraining();
  const int64_t inflight = runtime_->inflight().count();
  QALAM_LOG(INFO) << "draining: health NOT_SERVING, " << inflight << " call(s) in flight, grace "
                  << absl::FormatDuration(grace);
  if (!runtime_->inflight().WaitIdle(deadline)) {
    QALAM_LOG(WARNING) << "grace period over: cancelling " << runtime_->inflight().count()
                       << " call(s) still in flight";
  }
  // Cancels what is left (health watches, calls past the grace period) and
  // waits for their reactors to finish.
  server_->Shutdown(absl::ToChronoTime(absl::Now()));
  server_->Wait();
  runtime_->pool().Shutdown();
  QALAM_LOG(INFO) << "shut down";
  absl::MutexLock l(&mu_);
  shut_down_ = true;
}

void WorkerServer::Wait() {
  absl::MutexLock l(&mu_);
  mu_.Await(absl::Condition(&shut_down_));
}

std::shared_ptr<grpc::Channel> WorkerServer::InProcessChannel() {
  return server_->InProcessChannel(grpc::ChannelArguments());
}

}  // namespace qalam
