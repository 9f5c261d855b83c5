// WorkerService: qalam.v1.Worker (protos/qalam/v1/worker.proto) over the
// gRPC callback API. A thin adapter: ProcessBatch posts the batch to the
// runtime's pool, where RecordProcessor::ProcessBatch does the work, and the
// pool thread finishes the call with ToGrpcStatus of its status.
//
// Call-level statuses: INVALID_ARGUMENT for unacceptable options,
// RESOURCE_EXHAUSTED when the pool's queue is full or the response would be
// too large, UNAVAILABLE while draining, CANCELLED / DEADLINE_EXCEEDED when
// the call is cancelled or its deadline passes (checked between records: the
// work stops). Everything wrong with one record is a RecordError inside an
// OK response.
//
// Memory: each call's request and response live on one protobuf Arena
// (grpc::MessageAllocator), so the per-record messages of a batch (Record,
// RecordResult, RecordStats and their repeated fields) cost no malloc/free
// each: the arena is freed in one go when the call ends.
//
// Thread-safety: safe for concurrent use, as gRPC requires. The runtime must
// outlive the server the service is registered with.
#ifndef QALAM_WORKERS_WORKER_SERVICE_H_
#define QALAM_WORKERS_WORKER_SERVICE_H_

#include <grpcpp/grpcpp.h>
#include <grpcpp/support/message_allocator.h>

#include "qalam/v1/worker.grpc.pb.h"
#include "workers/worker_runtime.h"

namespace qalam {

class WorkerService final : public v1::Worker::CallbackService {
 public:
  explicit WorkerService(WorkerRuntime* runtime);

  grpc::ServerUnaryReactor* ProcessBatch(grpc::CallbackServerContext* ctx,
                                         const v1::BatchRequest* request,
                                         v1::BatchResponse* response) override;

 private:
  // Allocates each call's messages on an arena of their own.
  class ArenaAllocator final : public grpc::MessageAllocator<v1::BatchRequest, v1::BatchResponse> {
   public:
    grpc::MessageHolder<v1::BatchRequest, v1::BatchResponse>* AllocateMessages() override;
  };

  WorkerRuntime* const runtime_;
  ArenaAllocator allocator_;
};

}  // namespace qalam

#endif  // QALAM_WORKERS_WORKER_SERVICE_H_
