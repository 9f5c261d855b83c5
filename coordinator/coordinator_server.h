// qalam-coordinator: serves qalam.v1.Coordinator (corpus jobs) and
// qalam.v1.Annotator (forwarded to the workers: coordinator/
// annotator_proxy.h) over gRPC, with the standard health service and server
// reflection, using workers at a target (see Dispatcher for the forms it may
// take). Its server accepts the same security flags as qalam-worker, and it
// talks to the workers with --worker-tls-* / --worker-auth-token-file.
//
// CoordinatorService is a thin adapter over JobManager: it unpacks the
// request, calls the manager and converts its absl::Status at the edge.
// Thread-safe.
#ifndef QALAM_COORDINATOR_COORDINATOR_SERVER_H_
#define QALAM_COORDINATOR_COORDINATOR_SERVER_H_

#include "coordinator/job_manager.h"
#include "qalam/v1/coordinator.grpc.pb.h"

namespace qalam {

class CoordinatorService final : public v1::Coordinator::CallbackService {
 public:
  // `jobs` must outlive the service.
  explicit CoordinatorService(JobManager* jobs) : jobs_(jobs) {}

  grpc::ServerUnaryReactor* StartJob(grpc::CallbackServerContext* ctx,
                                     const v1::StartJobRequest* req, v1::Job* resp) override;
  grpc::ServerUnaryReactor* GetJob(grpc::CallbackServerContext* ctx, const v1::GetJobRequest* req,
                                   v1::Job* resp) override;
  grpc::ServerWriteReactor<v1::Job>* WatchJob(grpc::CallbackServerContext* ctx,
                                              const v1::GetJobRequest* req) override;
  grpc::ServerUnaryReactor* CancelJob(grpc::CallbackServerContext* ctx,
                                      const v1::GetJobRequest* req, v1::Job* resp) override;
  grpc::ServerUnaryReactor* ListJobs(grpc::CallbackServerContext* ctx,
                                     const v1::ListJobsRequest* req,
                                     v1::ListJobsResponse* resp) override;

 private:
  JobManager* const jobs_;
};

// main() of qalam-coordinator: --listen ADDR (default 127.0.0.1:7070)
// --workers TARGET, security flags for both sides (see --help). Runs until
// SIGTERM/SIGINT, then drains.
int CoordinatorMain(int argc, char** argv);

}  // namespace qalam

#endif  // QALAM_COORDINATOR_COORDINATOR_SERVER_H_
