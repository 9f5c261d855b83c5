#include "coordinator/coordinator_server.h"

#include <fcntl.h>
#include <signal.h>
#include <unistd.h>

#include <cstdio>
#include <memory>
#include <mutex>

#include "absl/strings/str_split.h"
#include "common/cli.h"
#include "common/log.h"
#include "grpcpp/alarm.h"
#include "grpcpp/ext/proto_server_reflection_plugin.h"
#include "grpcpp/grpcpp.h"
#include "grpcpp/health_check_service_interface.h"

namespace qalam {
namespace {

// The one absl -> gRPC status conversion of this service (the codes are the
// same numbers by design).
grpc::Status ToGrpc(const absl::Status& s) {
  return grpc::Status(static_cast<grpc::StatusCode>(s.code()), std::string(s.message()));
}

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

int g_signal_pipe[2] = {-1, -1};
void OnSignal(int) {
  char c = 1;
  [[maybe_unused]] ssize_t r = ::write(g_signal_pipe[1], &c, 1);
}

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
  FlagSet flags("qalam-coordinator --listen ADDR --workers TARGET",
                "Serves qalam.v1.Coordinator (corpus jobs: StartJob, GetJob, WatchJob,\n"
                "CancelJob, ListJobs) with health checking and reflection, using the qalam\n"
                "workers at TARGET (host:port,host:port, unix:/path, or dns:///name:port).\n"
                "Listens on loopback unless told otherwise.");
  flags.String("listen", &listen, "address to serve on (host:port, unix:/path)", "ADDR");
  flags.String("workers", &workers, "worker target", "TARGET");
  flags.Int("in-flight", &in_flight, "shards in flight per worker at most");
  flags.Double("call-timeout", &call_timeout, "deadline of one shard call in seconds", "SECONDS");
  std::vector<std::string> rest;
  absl::Status st = flags.Parse(argc, argv, 1, &rest);
  if (flags.help_requested()) {
    std::fputs(flags.Help().c_str(), stdout);
    return 0;
  }
  if (st.ok() && workers.empty()) st = absl::InvalidArgumentError("--workers is required");
  if (st.ok() && !rest.empty()) st = absl::InvalidArgumentError("unexpected arguments");
  if (!st.ok()) {
    std::fprintf(stderr, "qalam-coordinator: %s\n", std::string(st.message()).c_str());
    return 2;
  }
  SetLogProgramName("qalam-coordinator");
  grpc_init();  // see run_command.cc: no blocking grpc_shutdown at the end
  if (::pipe2(g_signal_pipe, O_CLOEXEC) != 0) return 1;
  ::signal(SIGTERM, OnSignal);
  ::signal(SIGINT, OnSignal);
  ::signal(SIGPIPE, SIG_IGN);

  DispatcherOptions dopts;
  dopts.targets = absl::StrSplit(workers, ',', absl::SkipWhitespace());
  dopts.max_in_flight_per_worker = static_cast<int>(in_flight);
  dopts.call_timeout = absl::Seconds(call_timeout);
  absl::StatusOr<std::unique_ptr<Dispatcher>> dispatcher = Dispatcher::Create(dopts);
  if (!dispatcher.ok()) {
    std::fprintf(stderr, "qalam-coordinator: %s\n",
                 std::string(dispatcher.status().message()).c_str());
    return 1;
  }
  auto jobs =
      std::make_unique<JobManager>(dispatcher->get(), static_cast<int>(dopts.targets.size()));
  CoordinatorService service(jobs.get());

  grpc::EnableDefaultHealthCheckService(true);
  grpc::reflection::InitProtoReflectionServerBuilderPlugin();
  grpc::ServerBuilder builder;
  int port = 0;
  builder.AddListeningPort(listen, grpc::InsecureServerCredentials(), &port);
  builder.RegisterService(&service);
  std::unique_ptr<grpc::Server> server = builder.BuildAndStart();
  if (server == nullptr) {
    std::fprintf(stderr, "qalam-coordinator: cannot listen on %s\n", listen.c_str());
    return 1;
  }
  server->GetHealthCheckService()->SetServingStatus("qalam.v1.Coordinator", true);
  QALAM_LOG(INFO) << "serving qalam.v1.Coordinator on " << listen
                  << (port > 0 ? absl::StrCat(" (port ", port, ")") : std::string())
                  << " with workers " << workers;
  char c;
  while (::read(g_signal_pipe[0], &c, 1) < 0 && errno == EINTR) {
  }
  QALAM_LOG(INFO) << "shutting down: cancelling jobs (their output stays resumable)";
  server->GetHealthCheckService()->Shutdown();
  jobs.reset();  // cancels and joins the jobs
  server->Shutdown(std::chrono::system_clock::now() + std::chrono::seconds(5));
  server->Wait();
  return 0;
}

}  // namespace qalam
