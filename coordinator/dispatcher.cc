#include "coordinator/dispatcher.h"

#include <arpa/inet.h>
#include <netdb.h>
#include <sys/socket.h>

#include <algorithm>
#include <utility>

#include "absl/container/flat_hash_map.h"
#include "absl/strings/match.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "absl/strings/strip.h"
#include "common/log.h"
#include "grpcpp/generic/generic_stub.h"
#include "grpcpp/impl/codegen/proto_utils.h"

namespace qalam {
namespace {

constexpr char kHealthMethod[] = "/grpc.health.v1.Health/Check";
constexpr char kProcessBatchMethod[] = "/qalam.v1.Worker/ProcessBatch";

// Arenas for responses: the first block fits a typical shard's results.
google::protobuf::ArenaOptions ResponseArenaOptions() {
  google::protobuf::ArenaOptions o;
  o.start_block_size = 64 << 10;
  o.max_block_size = 1 << 20;
  return o;
}
constexpr char kWorkerService[] = "qalam.v1.Worker";

absl::Status FromGrpc(const grpc::Status& s) {
  return absl::Status(static_cast<absl::StatusCode>(s.error_code()), s.error_message());
}

// grpc.health.v1.HealthCheckRequest{service}: field 1, length-delimited.
grpc::ByteBuffer HealthRequest(const std::string& service) {
  std::string bytes;
  if (!service.empty()) {
    bytes.push_back('\x0a');
    bytes.push_back(static_cast<char>(service.size()));  // < 128 bytes
    bytes.append(service);
  }
  grpc::Slice slice(bytes);
  return grpc::ByteBuffer(&slice, 1);
}

// HealthCheckResponse{status = 1 (SERVING)} is the two bytes 08 01.
bool IsServing(const grpc::ByteBuffer& buffer) {
  std::vector<grpc::Slice> slices;
  if (!buffer.Dump(&slices).ok()) return false;
  std::string bytes;
  for (const grpc::Slice& s : slices) {
    bytes.append(reinterpret_cast<const char*>(s.begin()), s.size());
  }
  return bytes == std::string("\x08\x01", 2);
}

// "dns:///name:port" or "dns:name:port" -> (name, port); false otherwise.
bool ParseDnsTarget(absl::string_view target, std::string* host, std::string* port) {
  if (!absl::ConsumePrefix(&target, "dns:")) return false;
  absl::ConsumePrefix(&target, "///");
  absl::ConsumePrefix(&target, "//");
  if (!target.empty() && target[0] == '[') {  // [v6]:port
    size_t close = target.find(']');
    if (close == absl::string_view::npos) return false;
    *host = std::string(target.substr(1, close - 1));
    absl::string_view rest = target.substr(close + 1);
    if (!absl::ConsumePrefix(&rest, ":")) return false;
    *port = std::string(rest);
  } else {
    size_t colon = target.rfind(':');
    if (colon == absl::string_view::npos) return false;
    *host = std::string(target.substr(0, colon));
    *port = std::string(target.substr(colon + 1));
  }
  return !host->empty() && !port->empty();
}

// Resolves `host` to gRPC targets ("ipv4:a.b.c.d:port", "ipv6:[..]:port"),
// sorted so that the order does not depend on the resolver.
absl::StatusOr<std::vector<std::string>> ResolveHost(const std::string& host,
                                                     const std::string& port) {
  addrinfo hints{};
  hints.ai_family = AF_UNSPEC;
  hints.ai_socktype = SOCK_STREAM;
  addrinfo* res = nullptr;
  int rc = getaddrinfo(host.c_str(), port.c_str(), &hints, &res);
  if (rc != 0) {
    return absl::UnavailableError(absl::StrCat("cannot resolve '", host, "': ", gai_strerror(rc)));
  }
  std::vector<std::string> out;
  for (addrinfo* a = res; a != nullptr; a = a->ai_next) {
    char buf[INET6_ADDRSTRLEN];
    if (a->ai_family == AF_INET) {
      auto* sin = reinterpret_cast<sockaddr_in*>(a->ai_addr);
      inet_ntop(AF_INET, &sin->sin_addr, buf, sizeof(buf));
      out.push_back(absl::StrCat("ipv4:", buf, ":", ntohs(sin->sin_port)));
    } else if (a->ai_family == AF_INET6) {
      auto* sin6 = reinterpret_cast<sockaddr_in6*>(a->ai_addr);
      inet_ntop(AF_INET6, &sin6->sin6_addr, buf, sizeof(buf));
      out.push_back(absl::StrCat("ipv6:[", buf, "]:", ntohs(sin6->sin6_port)));
    }
  }
  freeaddrinfo(res);
  std::sort(out.begin(), out.end());
  out.erase(std::unique(out.begin(), out.end()), out.end());
  return out;
}

absl::Duration Backoff(absl::Duration initial, absl::Duration max, int exponent) {
  absl::Duration d = initial;
  for (int i = 0; i < exponent && d < max; ++i) d *= 2;
  return std::min(d, max);
}

}  // namespace

struct Dispatcher::Endpoint {
  int id = 0;
  std::string address;  // the gRPC target of this one worker
  std::string origin;   // the target it was found from
  std::shared_ptr<grpc::Channel> channel;
  // ProcessBatch and health calls, as bytes (requests are pre-encoded).
  std::unique_ptr<grpc::GenericStub> stub;
  std::string health_service = kWorkerService;
  bool healthy = false;
  bool ever_healthy = false;
  bool health_pending = false;
  bool removed = false;   // no longer listed by DNS: gets no new work
  absl::Status refused;   // it refused our credentials: gets no work
  bool isolated = false;  // running a suspect task alone
  bool reserved = false;  // draining for a suspect task
  int in_flight = 0;
  int consecutive_failures = 0;
  absl::Time quarantined_until = absl::InfinitePast();
};

struct Dispatcher::Task {
  std::shared_ptr<DispatchShard> shard;
  int begin = 0, end = 0;  // records [begin, end) of shard->batch
  size_t bytes = 0;
  int failures = 0;
  int isolated_failures = 0;
  std::set<int> failed_on;           // endpoints it failed on
  std::set<int> isolated_failed_on;  // ... while running alone
  absl::Status last_error;
  absl::Time not_before = absl::InfinitePast();

  uint64_t shard_index() const { return shard->batch->shard(); }
  bool suspect() const { return failures > 0; }
};

struct Dispatcher::Call {
  Dispatcher* dispatcher = nullptr;
  Endpoint* endpoint = nullptr;
  std::unique_ptr<Task> task;
  bool isolated = false;
  grpc::ClientContext ctx;
  grpc::ByteBuffer request;
  grpc::ByteBuffer response;
};

absl::StatusOr<std::unique_ptr<Dispatcher>> Dispatcher::Create(DispatcherOptions options) {
  if (options.targets.empty()) return absl::InvalidArgumentError("no worker targets given");
  for (const std::string& t : options.targets) {
    if (t.empty()) return absl::InvalidArgumentError("empty worker target");
    std::string host, port;
    if (absl::StartsWith(t, "dns:") && !ParseDnsTarget(t, &host, &port)) {
      return absl::InvalidArgumentError(
          absl::StrCat("bad worker target '", t, "' (expected dns:///name:port)"));
    }
    // Unreadable files, a token towards a plaintext non-local target: say so
    // now rather than per worker later.
    absl::StatusOr<std::shared_ptr<grpc::ChannelCredentials>> creds =
        ChannelCredentialsFromOptions(options.security, t);
    if (!creds.ok()) return creds.status();
  }
  if (options.max_in_flight_per_worker < 1) options.max_in_flight_per_worker = 1;
  std::unique_ptr<Dispatcher> d(new Dispatcher(std::move(options)));
  const Resolution resolution = ResolveAll(d->options_.targets);
  {
    absl::MutexLock l(&d->mu_);
    d->ApplyResolution(resolution, /*initial=*/true);
    if (d->endpoints_.empty()) {
      return absl::UnavailableError("no worker address could be resolved from the targets");
    }
    d->StartHealthChecks();
  }
  d->thread_ = std::thread([p = d.get()] { p->Loop(); });
  return d;
}

Dispatcher::Dispatcher(DispatcherOptions options) : options_(std::move(options)) {
  channel_args_.SetMaxReceiveMessageSize(-1);
  channel_args_.SetMaxSendMessageSize(-1);
  // Reconnect quickly to a worker that restarted (the default backoff grows
  // to two minutes).
  channel_args_.SetInt(GRPC_ARG_INITIAL_RECONNECT_BACKOFF_MS, 100);
  channel_args_.SetInt(GRPC_ARG_MIN_RECONNECT_BACKOFF_MS, 100);
  channel_args_.SetInt(GRPC_ARG_MAX_RECONNECT_BACKOFF_MS, 1000);
  // Detect dead TCP peers (a pod that vanished) within a minute.
  channel_args_.SetInt(GRPC_ARG_KEEPALIVE_TIME_MS, 30000);
  channel_args_.SetInt(GRPC_ARG_KEEPALIVE_TIMEOUT_MS, 10000);
  // Retries are ours (on another worker); one connection per worker.
  channel_args_.SetInt(GRPC_ARG_ENABLE_RETRIES, 0);
  channel_args_.SetInt(GRPC_ARG_USE_LOCAL_SUBCHANNEL_POOL, 1);
  absl::MutexLock l(&mu_);
  last_usable_ = absl::Now();
  next_health_ = absl::Now();
  next_resolve_ = absl::Now() + options_.resolve_interval;
}

Dispatcher::~Dispatcher() {
  {
    absl::MutexLock l(&mu_);
    stopping_ = true;
    wake_ = true;
  }
  thread_.join();
}

void Dispatcher::AddEndpoint(const std::string& address, const std::string& origin) {
  for (auto& ep : endpoints_) {
    if (ep->address == address) {
      if (ep->removed) QALAM_LOG(INFO) << "worker " << address << " is listed again";
      ep->removed = false;
      return;
    }
  }
  ClientSecurityOptions security = options_.security;
  const bool tls = security.tls || !security.tls_ca_file.empty() || !security.tls_cert_file.empty();
  std::string host, port;
  if (tls && security.tls_server_name.empty() && address != origin &&
      ParseDnsTarget(origin, &host, &port)) {
    // The channel dials the resolved address; the certificate names the
    // service's DNS name.
    security.tls_server_name = host;
  }
  absl::StatusOr<std::shared_ptr<grpc::ChannelCredentials>> creds =
      ChannelCredentialsFromOptions(security, address);
  if (!creds.ok()) {
    QALAM_LOG(ERROR) << "worker " << address << " (from " << origin
                     << ") cannot be used: " << creds.status();
    return;
  }
  grpc::ChannelArguments args = channel_args_;
  if (tls && !security.tls_server_name.empty()) {
    args.SetSslTargetNameOverride(security.tls_server_name);
  }
  auto ep = std::make_unique<Endpoint>();
  ep->id = static_cast<int>(endpoints_.size());
  ep->address = address;
  ep->origin = origin;
  ep->channel = grpc::CreateCustomChannel(address, *creds, args);
  ep->stub = std::make_unique<grpc::GenericStub>(ep->channel);
  endpoints_.push_back(std::move(ep));
}

Dispatcher::Resolution Dispatcher::ResolveAll(const std::vector<std::string>& targets) {
  Resolution out;
  for (const std::string& t : targets) {
    std::string host, port;
    if (ParseDnsTarget(t, &host, &port)) out.emplace_back(t, ResolveHost(host, port));
  }
  return out;
}

void Dispatcher::ApplyResolution(const Resolution& resolution, bool initial) {
  if (initial) {
    for (const std::string& t : options_.targets) {
      std::string host, port;
      if (!ParseDnsTarget(t, &host, &port)) AddEndpoint(t, t);
    }
  }
  for (const auto& [target, addrs] : resolution) {
    if (!addrs.ok()) {
      QALAM_LOG(WARNING) << addrs.status().message() << "; keeping the workers known so far";
      continue;
    }
    for (const std::string& a : *addrs) AddEndpoint(a, target);
    for (auto& ep : endpoints_) {
      if (ep->origin != target || ep->removed) continue;
      if (std::find(addrs->begin(), addrs->end(), ep->address) == addrs->end()) {
        QALAM_LOG(INFO) << "worker " << ep->address << " is no longer listed by " << target;
        ep->removed = true;
      }
    }
  }
}

void Dispatcher::StartHealthChecks() {
  for (auto& ep_ptr : endpoints_) {
    Endpoint* ep = ep_ptr.get();
    if (ep->health_pending || ep->removed) continue;
    ep->health_pending = true;
    ++health_in_flight_;
    struct HealthCall {
      grpc::ClientContext ctx;
      grpc::ByteBuffer request;
      grpc::ByteBuffer response;
    };
    auto* hc = new HealthCall;
    hc->ctx.set_deadline(std::chrono::system_clock::now() +
                         absl::ToChronoMilliseconds(options_.health_timeout));
    hc->request = HealthRequest(ep->health_service);
    ep->stub->UnaryCall(&hc->ctx, kHealthMethod, grpc::StubOptions(), &hc->request, &hc->response,
                        [this, ep, hc](grpc::Status s) {
                          bool serving = s.ok() && IsServing(hc->response);
                          bool not_found = s.error_code() == grpc::StatusCode::NOT_FOUND;
                          delete hc;
                          OnHealth(ep, serving, not_found);
                        });
  }
}

void Dispatcher::OnHealth(Endpoint* ep, bool serving, bool not_found) {
  absl::MutexLock l(&mu_);
  ep->health_pending = false;
  --health_in_flight_;
  if (not_found && !ep->health_service.empty()) {
    // A worker that registers no per-service status: use the server's.
    ep->health_service.clear();
    next_health_ = absl::Now();
  }
  if (serving != ep->healthy) {
    if (serving) {
      if (ep->ever_healthy) QALAM_LOG(INFO) << "worker " << ep->address << " is serving again";
    } else {
      QALAM_LOG(WARNING) << "worker " << ep->address << " fails its health check; not using it";
    }
  }
  ep->healthy = serving;
  ep->ever_healthy = ep->ever_healthy || serving;
  wake_ = true;
}

bool Dispatcher::Usable(const Endpoint& ep, absl::Time now) const {
  return ep.healthy && !ep.removed && !ep.isolated && ep.refused.ok() &&
         ep.quarantined_until <= now;
}

void Dispatcher::CheckAllRefused() {
  if (pending_.empty()) return;
  const Endpoint* refused = nullptr;
  for (const auto& ep : endpoints_) {
    if (ep->removed) continue;
    if (ep->refused.ok()) return;  // someone may still take the work
    refused = ep.get();
  }
  if (refused == nullptr) return;
  FailAllPending(
      absl::Status(refused->refused.code(),
                   absl::StrCat("every worker refused the coordinator's credentials (worker ",
                                refused->address, ": ", refused->refused.message(),
                                "); check --auth-token-file and the --tls-* flags")));
}

Dispatcher::Endpoint* Dispatcher::PickFor(const Task& task, absl::Time now) {
  const int n = static_cast<int>(endpoints_.size());
  if (!task.suspect()) {
    Endpoint* best = nullptr;
    for (int k = 0; k < n; ++k) {
      Endpoint* ep = endpoints_[(rr_ + k) % n].get();
      if (!Usable(*ep, now) || ep->reserved || ep->in_flight >= options_.max_in_flight_per_worker) {
        continue;
      }
      if (best == nullptr || ep->in_flight < best->in_flight) best = ep;
    }
    if (best != nullptr) rr_ = (static_cast<size_t>(best->id) + 1) % n;
    return best;
  }
  // A suspect runs alone, preferably on a worker it has not failed on.
  bool fresh_exists = false;
  for (auto& ep : endpoints_) {
    if (Usable(*ep, now) && !ep->reserved && task.failed_on.count(ep->id) == 0) {
      fresh_exists = true;
    }
  }
  Endpoint* best = nullptr;
  for (int k = 0; k < n; ++k) {
    Endpoint* ep = endpoints_[(rr_ + k) % n].get();
    if (!Usable(*ep, now) || ep->reserved) continue;
    if (fresh_exists && task.failed_on.count(ep->id) != 0) continue;
    if (best == nullptr || ep->in_flight < best->in_flight) best = ep;
  }
  if (best == nullptr) return nullptr;
  if (best->in_flight == 0) return best;
  best->reserved = true;  // no new work for it until it drains
  return nullptr;
}

std::vector<Dispatcher::Call*> Dispatcher::Schedule(absl::Time now) {
  std::vector<Call*> calls;
  for (auto& ep : endpoints_) ep->reserved = false;
  // Oldest shards first (they hold up the merge), suspects before others.
  std::stable_sort(ready_.begin(), ready_.end(),
                   [](const std::unique_ptr<Task>& a, const std::unique_ptr<Task>& b) {
                     if (a->suspect() != b->suspect()) return a->suspect();
                     if (a->shard_index() != b->shard_index()) {
                       return a->shard_index() < b->shard_index();
                     }
                     return a->begin < b->begin;
                   });
  std::vector<std::unique_ptr<Task>> keep;
  for (std::unique_ptr<Task>& task : ready_) {
    if (task->not_before > now) {
      keep.push_back(std::move(task));
      continue;
    }
    Endpoint* ep = PickFor(*task, now);
    if (ep == nullptr) {
      keep.push_back(std::move(task));
      continue;
    }
    auto* call = new Call;
    call->dispatcher = this;
    call->endpoint = ep;
    call->isolated = task->suspect();
    call->task = std::move(task);
    ++ep->in_flight;
    if (call->isolated) ep->isolated = true;
    ++calls_in_flight_;
    ++stats_.calls;
    const absl::Duration timeout = std::max(
        options_.call_timeout,
        absl::Seconds(static_cast<double>(call->task->bytes) / options_.min_bytes_per_second));
    call->ctx.set_deadline(std::chrono::system_clock::now() + absl::ToChronoMilliseconds(timeout));
    calls.push_back(call);
  }
  ready_ = std::move(keep);
  return calls;
}

void Dispatcher::StartCall(Call* call) {
  call->request =
      EncodedBatch::Request(call->task->shard->batch, call->task->begin, call->task->end);
  call->endpoint->stub->UnaryCall(
      &call->ctx, kProcessBatchMethod, grpc::StubOptions(), &call->request, &call->response,
      [call](grpc::Status status) { call->dispatcher->OnCallDone(call, status); });
}

void Dispatcher::Resolve(Task* task, int index, const v1::RecordResult* result) {
  auto it = pending_.find(task->shard.get());
  if (it == pending_.end()) return;  // the shard was given up on
  task->shard->results[static_cast<size_t>(index)] = result;
  if (--it->second.remaining == 0) {
    done_.emplace_back(std::move(it->second.shard), absl::OkStatus());
    pending_.erase(it);
  }
}

void Dispatcher::RunDone(DoneList done) {
  for (auto& [shard, status] : done) shard->on_done(shard.get(), status);
}

void Dispatcher::OnCallDone(Call* call, const grpc::Status& grpc_status) {
  std::unique_ptr<Call> owned(call);
  absl::Status status = FromGrpc(grpc_status);
  // Parse outside the lock, onto an arena the shard will keep.
  std::unique_ptr<google::protobuf::Arena> arena;
  v1::BatchResponse* response = nullptr;
  if (status.ok()) {
    arena = std::make_unique<google::protobuf::Arena>(ResponseArenaOptions());
    response = google::protobuf::Arena::CreateMessage<v1::BatchResponse>(arena.get());
    grpc::Status parsed =
        grpc::SerializationTraits<v1::BatchResponse>::Deserialize(&call->response, response);
    if (!parsed.ok()) {
      status = absl::InternalError(
          absl::StrCat("worker ", call->endpoint->address,
                       " returned an unreadable response: ", parsed.error_message()));
    }
  }
  std::vector<std::pair<std::shared_ptr<DispatchShard>, absl::Status>> done;
  {
    absl::MutexLock l(&mu_);
    calls_.erase(call);
    Endpoint* ep = call->endpoint;
    --ep->in_flight;
    --calls_in_flight_;
    if (call->isolated) ep->isolated = false;
    wake_ = true;
    std::unique_ptr<Task> task = std::move(call->task);
    const int n = task->end - task->begin;
    if (status.ok() && response->results_size() != n) {
      status = absl::InternalError(absl::StrCat("worker ", ep->address, " returned ",
                                                response->results_size(), " results for ", n,
                                                " records"));
    }
    if (status.ok()) {
      const EncodedBatch& batch = *task->shard->batch;
      for (int i = 0; i < n; ++i) {
        if (response->results(i).seq() != batch.seq(task->begin + i)) {
          status = absl::InternalError(
              absl::StrCat("worker ", ep->address, " returned results out of order"));
          break;
        }
      }
    }
    if (stopping_) {
      // The destructor gives up on every pending shard.
    } else if (status.ok()) {
      ep->consecutive_failures = 0;
      if (pending_.count(task->shard.get()) > 0) {
        // The shard owns the arena before its last result makes it done.
        task->shard->storage.push_back(std::move(arena));
        for (int i = 0; i < n; ++i) Resolve(task.get(), task->begin + i, &response->results(i));
      }
    } else {
      Fail(std::move(task), ep, status, call->isolated);
    }
    done.swap(done_);
  }
  RunDone(std::move(done));
}

void Dispatcher::Fail(std::unique_ptr<Task> task, Endpoint* ep, const absl::Status& status,
                      bool isolated) {
  const absl::Time now = absl::Now();
  ++stats_.calls_failed;
  if (status.code() == absl::StatusCode::kUnauthenticated ||
      status.code() == absl::StatusCode::kPermissionDenied) {
    // Our credentials, not the shard: the worker gets no more work, the
    // shard goes elsewhere unchanged.
    if (ep->refused.ok()) {
      QALAM_LOG(ERROR) << "worker " << ep->address << " refused the coordinator's credentials: "
                       << absl::StatusCodeToString(status.code()) << ": " << status.message()
                       << "; not using it";
    }
    ep->refused = status;
    task->not_before = now;
    ready_.push_back(std::move(task));
    CheckAllRefused();
    return;
  }
  QALAM_LOG(WARNING) << "shard " << task->shard_index() << " (records " << task->begin << ".."
                     << task->end << " of " << task->shard->batch->size() << ") failed on worker "
                     << ep->address << ": " << absl::StatusCodeToString(status.code()) << ": "
                     << status.message();
  if (status.code() == absl::StatusCode::kResourceExhausted && !isolated) {
    // Overloaded (or the request is too large: then the retry, run alone,
    // will count): back off from this worker, not from the shard.
    ep->quarantined_until = now + options_.quarantine_initial;
    task->failures = std::max(task->failures, 1);
    task->not_before = now + options_.retry_backoff_initial;
    ready_.push_back(std::move(task));
    return;
  }
  // A suspect failing alone is blamed on the shard, not on the worker.
  if (!isolated) ++ep->consecutive_failures;
  if (status.code() == absl::StatusCode::kUnavailable) {
    ep->healthy = false;  // until its health check says otherwise
  }
  if (!isolated && ep->consecutive_failures >= options_.quarantine_after_failures) {
    const absl::Duration q = Backoff(options_.quarantine_initial, options_.quarantine_max,
                                     ep->consecutive_failures - options_.quarantine_after_failures);
    ep->quarantined_until = now + q;
    QALAM_LOG(WARNING) << "worker " << ep->address << " failed " << ep->consecutive_failures
                       << " calls in a row; not using it for " << absl::FormatDuration(q);
  }
  ++task->failures;
  task->failed_on.insert(ep->id);
  task->last_error = status;
  ++stats_.shards_retried;
  if (isolated) {
    ++task->isolated_failures;
    task->isolated_failed_on.insert(ep->id);
    const int n = task->end - task->begin;
    if (n > 1) {
      // Split, so that whatever makes the shard fail ends up alone.
      ++stats_.shard_splits;
      const int mid = task->begin + n / 2;
      for (auto [b, e] : {std::pair<int, int>(task->begin, mid), {mid, task->end}}) {
        // A half is another range of the same encoded shard: nothing copied.
        auto half = std::make_unique<Task>();
        half->shard = task->shard;
        half->begin = b;
        half->end = e;
        half->bytes = task->shard->batch->RequestBytes(b, e);
        half->failures = task->failures;
        half->failed_on = task->failed_on;
        half->last_error = status;
        half->not_before = now;
        ready_.push_back(std::move(half));
      }
      return;
    }
    const size_t distinct_needed = std::min<size_t>(2, endpoints_.size());
    if ((task->isolated_failures >= options_.poison_failures &&
         task->isolated_failed_on.size() >= distinct_needed) ||
        task->isolated_failures >= options_.poison_failures + 2) {
      ++stats_.poison_records;
      const bool timed_out = status.code() == absl::StatusCode::kDeadlineExceeded;
      if (pending_.count(task->shard.get()) == 0) return;  // given up on meanwhile
      auto arena = std::make_unique<google::protobuf::Arena>();
      v1::RecordResult& r = *google::protobuf::Arena::CreateMessage<v1::RecordResult>(arena.get());
      r.set_seq(task->shard->batch->seq(task->begin));
      v1::RecordError* err = r.mutable_error();
      err->set_code(static_cast<int>(timed_out ? absl::StatusCode::kDeadlineExceeded
                                               : absl::StatusCode::kInternal));
      err->set_message(absl::StrCat(
          timed_out ? "article timed out" : "article made the worker fail", " on ",
          task->isolated_failures, " attempts alone on ", task->isolated_failed_on.size(),
          " worker(s), so it was isolated as a poison article; last error: ",
          absl::StatusCodeToString(status.code()), ": ", status.message()));
      QALAM_LOG(WARNING) << "record " << r.seq() << " is a poison article: " << err->message();
      task->shard->poisoned.push_back(task->begin);
      task->shard->storage.push_back(std::move(arena));
      Resolve(task.get(), task->begin, &r);
      return;
    }
  }
  task->not_before =
      now + Backoff(options_.retry_backoff_initial, options_.retry_backoff_max, task->failures - 1);
  ready_.push_back(std::move(task));
}

void Dispatcher::FailAllPending(const absl::Status& status) {
  ready_.clear();
  for (auto& [ptr, state] : pending_) {
    (void)ptr;
    done_.emplace_back(std::move(state.shard), status);
  }
  pending_.clear();
}

void Dispatcher::Submit(std::shared_ptr<DispatchShard> shard) {
  std::vector<std::pair<std::shared_ptr<DispatchShard>, absl::Status>> done;
  {
    absl::MutexLock l(&mu_);
    const int n = shard->batch->size();
    shard->results.assign(static_cast<size_t>(n), nullptr);
    shard->storage.clear();
    shard->poisoned.clear();
    if (stopping_) {
      done.emplace_back(shard, absl::CancelledError("the dispatcher is shutting down"));
    } else if (n == 0) {
      done.emplace_back(shard, absl::OkStatus());
    } else {
      pending_[shard.get()] = PendingShard{shard, n};
      auto task = std::make_unique<Task>();
      task->shard = shard;
      task->begin = 0;
      task->end = n;
      task->bytes = shard->batch->RequestBytes(0, n);
      ready_.push_back(std::move(task));
      wake_ = true;
    }
  }
  RunDone(std::move(done));
}

void Dispatcher::Loop() {
  for (;;) {
    std::vector<Call*> calls;
    std::vector<std::pair<std::shared_ptr<DispatchShard>, absl::Status>> done;
    {
      absl::MutexLock l(&mu_);
      absl::Time now = absl::Now();
      absl::Time wake_at = std::min(next_health_, next_resolve_);
      // Tasks due now that could not be placed wait for capacity, which an
      // event brings (a call ends, a worker turns healthy: wake_); only
      // backoffs need a timed wake-up. (Waking for due tasks would spin.)
      for (const auto& t : ready_) {
        if (t->not_before > now) wake_at = std::min(wake_at, t->not_before);
      }
      for (const auto& ep : endpoints_) {
        if (ep->quarantined_until > now) wake_at = std::min(wake_at, ep->quarantined_until);
      }
      wake_at = std::min(wake_at, now + absl::Milliseconds(200));
      if (!wake_) mu_.AwaitWithDeadline(absl::Condition(&wake_), wake_at);
      wake_ = false;
      now = absl::Now();
      if (stopping_) {
        for (Call* c : calls_) c->ctx.TryCancel();
        if (!pending_.empty() || !ready_.empty()) {
          FailAllPending(absl::CancelledError("the dispatcher is shutting down"));
        }
        done.swap(done_);
        if (calls_in_flight_ == 0 && health_in_flight_ == 0 && done.empty()) break;
        if (done.empty()) {
          mu_.AwaitWithTimeout(absl::Condition(&wake_), absl::Milliseconds(50));
          continue;
        }
      } else {
        if (now >= next_resolve_) {
          // getaddrinfo may block: resolve without the lock, then apply.
          next_resolve_ = now + options_.resolve_interval;
          mu_.Unlock();
          const Resolution resolution = ResolveAll(options_.targets);
          mu_.Lock();
          ApplyResolution(resolution, /*initial=*/false);
          now = absl::Now();
        }
        if (now >= next_health_) {
          StartHealthChecks();
          // Poll quickly until every worker has answered once (they may
          // still be starting), then at the normal pace.
          bool all_seen = true;
          for (const auto& ep : endpoints_)
            all_seen = all_seen && (ep->ever_healthy || ep->removed);
          next_health_ = now + (all_seen ? options_.health_interval : absl::Milliseconds(50));
        }
        CheckAllRefused();
        bool any_usable = false;
        for (const auto& ep : endpoints_)
          any_usable = any_usable || Usable(*ep, now) || ep->isolated;
        if (any_usable || pending_.empty()) {
          last_usable_ = now;
        } else if (now - last_usable_ > options_.no_worker_timeout) {
          FailAllPending(absl::UnavailableError(absl::StrCat(
              "no worker has been available for ", absl::FormatDuration(options_.no_worker_timeout),
              " (targets: ", absl::StrJoin(options_.targets, ","), ")")));
          last_usable_ = now;
        }
        calls = Schedule(now);
        for (Call* c : calls) calls_.insert(c);
        done.swap(done_);
      }
    }
    RunDone(std::move(done));
    for (Call* c : calls) StartCall(c);
  }
}

absl::StatusOr<Dispatcher::WorkerChannel> Dispatcher::PickWorker(const std::vector<int>& exclude) {
  absl::MutexLock l(&mu_);
  const absl::Time now = absl::Now();
  const size_t n = endpoints_.size();
  for (size_t k = 0; k < n; ++k) {
    Endpoint* ep = endpoints_[(rr_ + k) % n].get();
    // Isolated workers (running a suspect shard alone) still take single
    // calls: isolation is about blaming shards, not about load.
    if (!ep->healthy || ep->removed || !ep->refused.ok() || ep->quarantined_until > now ||
        std::find(exclude.begin(), exclude.end(), ep->id) != exclude.end()) {
      continue;
    }
    rr_ = (rr_ + k + 1) % n;
    return WorkerChannel{ep->id, ep->address, ep->channel};
  }
  return absl::UnavailableError(
      absl::StrCat("no healthy worker", exclude.empty() ? "" : " left to try",
                   " (workers: ", absl::StrJoin(options_.targets, ","), ")"));
}

void Dispatcher::ReportUnavailable(int id) {
  absl::MutexLock l(&mu_);
  for (auto& ep : endpoints_) {
    if (ep->id != id || !ep->healthy) continue;
    QALAM_LOG(WARNING) << "worker " << ep->address
                       << " is unreachable; not using it until its health check passes";
    ep->healthy = false;  // the next health check decides
    next_health_ = std::min(next_health_, absl::Now() + absl::Milliseconds(50));
    wake_ = true;
  }
}

bool Dispatcher::WaitForHealthyWorker(absl::Duration timeout) {
  absl::MutexLock l(&mu_);
  auto any = [this]() ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_) {
    for (const auto& ep : endpoints_) {
      if (ep->healthy && !ep->removed) return true;
    }
    return false;
  };
  return mu_.AwaitWithTimeout(absl::Condition(&any), timeout);
}

DispatcherStats Dispatcher::Stats() const {
  absl::MutexLock l(&mu_);
  DispatcherStats s = stats_;
  const absl::Time now = absl::Now();
  s.workers_total = 0;
  s.workers_alive = 0;
  for (const auto& ep : endpoints_) {
    if (ep->removed) continue;
    ++s.workers_total;
    if (ep->healthy && ep->quarantined_until <= now) ++s.workers_alive;
  }
  return s;
}

}  // namespace qalam
