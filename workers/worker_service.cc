#include "workers/worker_service.h"

#include "common/log.h"
#include "workers/unary_call.h"

namespace qalam {

grpc::ServerUnaryReactor* WorkerService::ProcessBatch(grpc::CallbackServerContext* ctx,
                                                      const v1::BatchRequest* request,
                                                      v1::BatchResponse* response) {
  WorkerRuntime* rt = runtime_;
  auto* call = new PooledUnaryCall(ctx, rt);
  return call->Start([rt, request, response](PooledUnaryCall* c) {
    const bool verbose = rt->options().verbose;
    if (verbose) {
      QALAM_LOG(INFO) << "ProcessBatch shard " << request->shard() << ": "
                      << request->records_size() << " records started";
    }
    BatchInterceptor* interceptor = rt->options().batch_interceptor_for_testing.get();
    absl::Status s;
    if (interceptor != nullptr) {
      s = interceptor->BeforeBatch(*request, [c] { return c->CheckAlive(); });
    }
    if (s.ok()) {
      s = rt->processor().ProcessBatch(
          *request, rt->options().limits,
          [rt, c]() {
            rt->BeforeRecord();
            return c->CheckAlive();
          },
          response);
    }
    if (s.ok() && interceptor != nullptr) interceptor->AfterBatch(*request);
    rt->stats().records.fetch_add(static_cast<uint64_t>(response->results_size()),
                                  std::memory_order_relaxed);
    if (verbose) {
      QALAM_LOG(INFO) << "ProcessBatch shard " << request->shard() << ": " << s;
    }
    if (!s.ok()) response->Clear();
    return s;
  });
}

}  // namespace qalam
