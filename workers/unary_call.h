// PooledUnaryCall: the reactor behind qalam-worker's unary RPCs
// (ProcessBatch, Annotate). Internal to qalam_worker_lib.
//
// The handler creates one, and Start() posts the work to the runtime's pool;
// the pool thread runs it and calls Finish. Reactions stay fast: nothing is
// computed on gRPC's threads. The call is refused with UNAVAILABLE while the
// server drains and RESOURCE_EXHAUSTED when the pool's queue is full.
//
// Cancellation: OnCancel() (client cancel, deadline, server shutdown) sets a
// flag that the work checks between records through CheckAlive(), which also
// checks the deadline itself.
//
// Lifetime: the object deletes itself in OnDone(), which gRPC calls only
// after Finish, so the pool task may use it until it has called Finish.
#ifndef QALAM_WORKERS_UNARY_CALL_H_
#define QALAM_WORKERS_UNARY_CALL_H_

#include <grpcpp/grpcpp.h>

#include <atomic>
#include <chrono>
#include <utility>

#include "absl/functional/any_invocable.h"
#include "absl/status/status.h"
#include "common/grpc_status.h"
#include "workers/worker_runtime.h"

namespace qalam {

class PooledUnaryCall final : public grpc::ServerUnaryReactor {
 public:
  PooledUnaryCall(grpc::CallbackServerContext* ctx, WorkerRuntime* runtime)
      : runtime_(runtime), deadline_(ctx->deadline()) {}

  // Posts `work` to the pool; `work` runs there and returns the status the
  // call finishes with. Finishes the call at once when the server is
  // draining or overloaded. Returns `this`, for the handler to return.
  grpc::ServerUnaryReactor* Start(absl::AnyInvocable<absl::Status(PooledUnaryCall*)> work) {
    if (!runtime_->inflight().TryEnter()) {
      Finish(ToGrpcStatus(DrainingError()));
      return this;
    }
    entered_ = true;
    runtime_->stats().calls.fetch_add(1, std::memory_order_relaxed);
    absl::Status s = runtime_->pool().TrySchedule([this, work = std::move(work)]() mutable {
      absl::Status status = CheckAlive();
      if (status.ok()) status = work(this);
      Finish(ToGrpcStatus(status));
    });
    if (!s.ok()) {
      if (s.code() == absl::StatusCode::kResourceExhausted) {
        runtime_->stats().calls_overloaded.fetch_add(1, std::memory_order_relaxed);
      }
      Finish(ToGrpcStatus(s));
    }
    return this;
  }

  // OK while the call should go on; CANCELLED once the client cancelled (or
  // the server is shutting down), DEADLINE_EXCEEDED once the deadline passed.
  absl::Status CheckAlive() const {
    if (cancelled_.load(std::memory_order_acquire)) {
      return absl::CancelledError("the call was cancelled");
    }
    if (std::chrono::system_clock::now() > deadline_) {
      return absl::DeadlineExceededError("deadline exceeded");
    }
    return absl::OkStatus();
  }

  void OnCancel() override {
    cancelled_.store(true, std::memory_order_release);
    runtime_->stats().calls_cancelled.fetch_add(1, std::memory_order_relaxed);
  }

  void OnDone() override {
    if (entered_) runtime_->inflight().Exit();
    delete this;
  }

 private:
  WorkerRuntime* const runtime_;
  const std::chrono::system_clock::time_point deadline_;
  std::atomic<bool> cancelled_{false};
  bool entered_ = false;  // written before the task is posted, read in OnDone
};

}  // namespace qalam

#endif  // QALAM_WORKERS_UNARY_CALL_H_
