#include "workers/worker_service.h"

#include "common/log.h"
#include "google/protobuf/arena.h"
#include "workers/unary_call.h"

namespace qalam {
namespace {

// A batch call's request and response on one arena. The first block is sized
// for a typical shard (1 MiB of records) so that a batch takes a handful of
// blocks rather than hundreds of small ones.
class ArenaBatchHolder final : public grpc::MessageHolder<v1::BatchRequest, v1::BatchResponse> {
 public:
  ArenaBatchHolder() : arena_(Options()) {
    set_request(google::protobuf::Arena::CreateMessage<v1::BatchRequest>(&arena_));
    set_response(google::protobuf::Arena::CreateMessage<v1::BatchResponse>(&arena_));
  }
  void Release() override { delete this; }

 private:
  static google::protobuf::ArenaOptions Options() {
    google::protobuf::ArenaOptions o;
    o.start_block_size = 64 << 10;
    o.max_block_size = 1 << 20;
    return o;
  }
  google::protobuf::Arena arena_;
};

}  // namespace

grpc::MessageHolder<v1::BatchRequest, v1::BatchResponse>*
WorkerService::ArenaAllocator::AllocateMessages() {
  return new ArenaBatchHolder();
}

WorkerService::WorkerService(WorkerRuntime* runtime) : runtime_(runtime) {
  SetMessageAllocatorFor_ProcessBatch(&allocator_);
}

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
    if (s.ok() && interceptor != nullptr) interceptor->AfterBatch(*request, response);
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
