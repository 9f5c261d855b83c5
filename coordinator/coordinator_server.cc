#include "coordinator/coordinator_server.h"

#include <fcntl.h>
#include <signal.h>
#include <unistd.h>

#include <cstdio>
#include <memory>
#include <mutex>

#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_split.h"
#include "common/cli.h"
#include "common/grpc_status.h"
#include "common/log.h"
#include "common/security.h"
#include "common/shutdown.h"
#include "coordinator/annotator_proxy.h"
#include "grpcpp/alarm.h"
#include "grpcpp/ext/proto_server_reflection_plugin.h"
#include "grpcpp/grpcpp.h"
#include "grpcpp/health_check_service_interface.h"

namespace qalam {
namespace {

grpc::Status ToGrpc(const absl::Status& s) { return ToGrpcStatus(s); }

template <typename Fn>
grpc::ServerUnaryReactor* Unary(grpc::CallbackServerContext* ctx, v1::Job* resp, Fn fn) {
  grpc::ServerUnaryReactor* r = ctx->DefaultReactor();
  absl::StatusOr<v1::Job> job = fn();
  if (job.ok()) *resp = std::move(job).value();
  r->Finish(ToGrpc(job.status()));
  return r;
}

// Writes the job's state about once a second until it ends; the last
// message carries the final state. The pause between writes is a callback
// alarm, so no thread sleeps.
class WatchReactor final : public grpc::ServerWriteReactor<v1::Job> {
 public:
  WatchReactor(JobManager* jobs, std::string id) : jobs_(jobs), id_(std::move(id)) { Next(); }

  void OnWriteDone(bool ok) override {
    std::lock_guard<std::mutex> l(mu_);
    if (finished_) return;
    if (!ok || cancelled_) {
      FinishLocked(grpc::Status(grpc::StatusCode::CANCELLED, "watch cancelled"));
      return;
    }
    alarm_.Set(std::chrono::system_clock::now() + std::chrono::seconds(1), [this](bool fired) {
      if (fired) {
        Next();
      } else {
        std::lock_guard<std::mutex> l(mu_);
        if (!finished_) FinishLocked(grpc::Status(grpc::StatusCode::CANCELLED, "watch cancelled"));
      }
    });
  }
  void OnCancel() override {
    std::lock_guard<std::mutex> l(mu_);
    cancelled_ = true;
    alarm_.Cancel();  // its callback finishes the call
  }
  void OnDone() override { delete this; }

 private:
  void Next() {
    std::lock_guard<std::mutex> l(mu_);
    if (finished_) return;
    if (cancelled_) {
      FinishLocked(grpc::Status(grpc::StatusCode::CANCELLED, "watch cancelled"));
      return;
    }
    absl::StatusOr<v1::Job> job = jobs_->Get(id_);
    if (!job.ok()) {
      FinishLocked(ToGrpc(job.status()));
      return;
    }
    job_ = std::move(job).value();
    if (JobManager::IsTerminal(job_.state())) {
      finished_ = true;
      StartWriteAndFinish(&job_, grpc::WriteOptions(), grpc::Status::OK);
    } else {
      StartWrite(&job_);
    }
  }
  void FinishLocked(const grpc::Status& s) {
    finished_ = true;
    Finish(s);
  }

  JobManager* const jobs_;
  const std::string id_;
  std::mutex mu_;
  bool finished_ = false;
  bool cancelled_ = false;
  v1::Job job_;
  grpc::Alarm alarm_;
};

}  // namespace

grpc::ServerUnaryReactor* CoordinatorService::StartJob(grpc::CallbackServerContext* ctx,
                                                       const v1::StartJobRequest* req,
                                                       v1::Job* resp) {
  return Unary(ctx, resp, [&] { return jobs_->Start(*req); });
}

grpc::ServerUnaryReactor* CoordinatorService::GetJob(grpc::CallbackServerContext* ctx,
                                                     const v1::GetJobRequest* req, v1::Job* resp) {
  return Unary(ctx, resp, [&] { return jobs_->Get(req->job_id()); });
}

grpc::ServerUnaryReactor* CoordinatorService::CancelJob(grpc::CallbackServerContext* ctx,
                                                        const v1::GetJobRequest* req,
                                                        v1::Job* resp) {
  return Unary(ctx, resp, [&] { return jobs_->Cancel(req->job_id()); });
}

grpc::ServerUnaryReactor* CoordinatorService::ListJobs(grpc::CallbackServerContext* ctx,
                                                       const v1::ListJobsRequest*,
                                                       v1::ListJobsResponse* resp) {
  for (v1::Job& j : jobs_->List()) *resp->add_jobs() = std::move(j);
  grpc::ServerUnaryReactor* r = ctx->DefaultReactor();
  r->Finish(grpc::Status::OK);
  return r;
}

grpc::ServerWriteReactor<v1::Job>* CoordinatorService::WatchJob(grpc::CallbackServerContext*,
                                                                const v1::GetJobRequest* req) {
  return new WatchReactor(jobs_, req->job_id());
}

int CoordinatorMain(int argc, char** argv) {
  std::string listen = "127.0.0.1:7070";
  std::string workers;
  int64_t in_flight = 3;
  double call_timeout = 60;
  double grace_seconds = 5;
  ServerSecurityOptions server_security;
  ClientSecurityOptions worker_security;
  FlagSet flags("qalam-coordinator --listen ADDR --workers TARGET",
                "Serves qalam.v1.Coordinator (corpus jobs: StartJob, GetJob, WatchJob,\n"
                "CancelJob, ListJobs) and qalam.v1.Annotator (Annotate, AnnotateStream,\n"
                "forwarded to a healthy worker with the caller's deadline), with health\n"
                "checking and reflection, using the qalam workers at TARGET\n"
                "(host:port,host:port, unix:/path, or dns:///name:port). Listens on\n"
                "loopback unless told otherwise. Prints \"qalam-coordinator listening on\n"
                "ADDR\" on stderr once it serves.");
  flags.String("listen", &listen, "address to serve on (host:port, port 0 picks one; unix:/path)",
               "ADDR");
  flags.String("workers", &workers, "worker target", "TARGET");
  flags.Int("in-flight", &in_flight, "shards in flight per worker at most");
  flags.Double("call-timeout", &call_timeout, "deadline of one shard call in seconds", "SECONDS");
  flags.Double("grace-seconds", &grace_seconds,
               "on SIGTERM, how long calls in flight may run before they are cancelled", "SECONDS");
  // The server side: the same flags as qalam-worker.
  RegisterServerSecurityFlags(&flags, &server_security);
  // The client side, towards the workers.
  flags.String("worker-tls-ca", &worker_security.tls_ca_file,
               "PEM CA bundle: talk TLS to the workers and verify them with it", "FILE");
  flags.String("worker-tls-cert", &worker_security.tls_cert_file,
               "PEM client certificate for mutual TLS with the workers (with --worker-tls-key)",
               "FILE");
  flags.String("worker-tls-key", &worker_security.tls_key_file,
               "PEM private key of --worker-tls-cert", "FILE");
  flags.String("worker-tls-server-name", &worker_security.tls_server_name,
               "name to verify in the workers' certificates (default: the target's host)", "NAME");
  flags.String("worker-auth-token-file", &worker_security.auth_token_file,
               "send \"authorization: Bearer TOKEN\" to the workers, TOKEN being the first "
               "token of FILE",
               "FILE");
  std::vector<std::string> rest;
  absl::Status st = flags.Parse(argc, argv, 1, &rest);
  if (flags.help_requested()) {
    std::fputs(flags.Help().c_str(), stdout);
    return 0;
  }
  if (st.ok() && workers.empty()) st = absl::InvalidArgumentError("--workers is required");
  if (st.ok() && !rest.empty()) st = absl::InvalidArgumentError("unexpected arguments");
  if (st.ok() && !(grace_seconds >= 0)) {
    st = absl::InvalidArgumentError("--grace-seconds must not be negative");
  }
  absl::StatusOr<std::shared_ptr<grpc::ServerCredentials>> server_creds =
      absl::InternalError("unset");
  if (st.ok()) {
    server_creds = ServerCredentialsFromOptions(server_security, listen);
    if (!server_creds.ok()) st = server_creds.status();
  }
  if (!st.ok()) {
    std::fprintf(stderr, "qalam-coordinator: %s\n", std::string(st.message()).c_str());
    return 2;
  }
  SetLogProgramName("qalam-coordinator");
  grpc_init();  // see run_command.cc: no blocking grpc_shutdown at the end
  auto signals = TerminationSignals::Install();
  if (!signals.ok()) {
    std::fprintf(stderr, "qalam-coordinator: %s\n", signals.status().ToString().c_str());
    return 1;
  }
  ::signal(SIGPIPE, SIG_IGN);
  if (server_security.tls_cert_file.empty() && !IsLocalAddress(listen)) {
    QALAM_LOG(WARNING) << "serving plaintext on " << listen
                       << ", which other hosts can reach: consider --tls-cert/--tls-key";
  }

  DispatcherOptions dopts;
  dopts.targets = absl::StrSplit(workers, ',', absl::SkipWhitespace());
  dopts.max_in_flight_per_worker = static_cast<int>(in_flight);
  dopts.call_timeout = absl::Seconds(call_timeout);
  dopts.security = worker_security;
  absl::StatusOr<std::unique_ptr<Dispatcher>> dispatcher = Dispatcher::Create(dopts);
  if (!dispatcher.ok()) {
    std::fprintf(stderr, "qalam-coordinator: %s\n",
                 std::string(dispatcher.status().message()).c_str());
    return 1;
  }
  auto jobs =
      std::make_unique<JobManager>(dispatcher->get(), static_cast<int>(dopts.targets.size()));
  CoordinatorService service(jobs.get());
  AnnotatorProxy annotator(dispatcher->get());

  grpc::EnableDefaultHealthCheckService(true);
  grpc::reflection::InitProtoReflectionServerBuilderPlugin();
  grpc::ServerBuilder builder;
  int port = 0;
  builder.AddListeningPort(listen, *server_creds, &port);
  builder.RegisterService(&service);
  builder.RegisterService(&annotator);
  builder.SetMaxReceiveMessageSize(64 << 20);
  builder.SetMaxSendMessageSize(64 << 20);
  builder.AddChannelArgument(GRPC_ARG_HTTP2_MIN_RECV_PING_INTERVAL_WITHOUT_DATA_MS, 10000);
  builder.AddChannelArgument(GRPC_ARG_KEEPALIVE_PERMIT_WITHOUT_CALLS, 1);
  builder.AddChannelArgument(GRPC_ARG_ALLOW_REUSEPORT, 0);
  std::unique_ptr<grpc::Server> server = builder.BuildAndStart();
  const bool unix_socket = absl::StartsWith(listen, "unix:");
  if (server == nullptr || (port == 0 && !unix_socket)) {
    std::fprintf(stderr, "qalam-coordinator: cannot listen on %s\n", listen.c_str());
    return 1;
  }
  std::string address = listen;
  if (!unix_socket && absl::EndsWith(listen, ":0")) {
    address = absl::StrCat(listen.substr(0, listen.size() - 1), port);
  }
  grpc::HealthCheckServiceInterface* health = server->GetHealthCheckService();
  health->SetServingStatus("qalam.v1.Coordinator", true);
  health->SetServingStatus("qalam.v1.Annotator", true);
  QALAM_LOG(INFO) << "serving qalam.v1.Coordinator and qalam.v1.Annotator on " << address
                  << " with workers " << workers;
  std::fprintf(stderr, "qalam-coordinator listening on %s\n", address.c_str());
  std::fflush(stderr);
  (*signals)->Wait();
  QALAM_LOG(INFO) << "shutting down: cancelling jobs (their output stays resumable)";
  health->Shutdown();
  jobs.reset();  // cancels and joins the jobs
  server->Shutdown(std::chrono::system_clock::now() +
                   absl::ToChronoMilliseconds(absl::Seconds(grace_seconds)));
  server->Wait();
  return 0;
}

}  // namespace qalam
