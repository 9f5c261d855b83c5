#include "coordinator/annotator_proxy.h"

#include <chrono>
#include <memory>
#include <utility>
#include <vector>

#include "absl/base/thread_annotations.h"
#include "absl/strings/str_cat.h"
#include "absl/synchronization/mutex.h"
#include "common/grpc_status.h"

namespace qalam {
namespace {

using Clock = std::chrono::system_clock;

// A child context of the caller's call: its deadline (or `fallback` when it
// has none) and its cancellation reach the worker.
std::unique_ptr<grpc::ClientContext> ChildContext(const grpc::CallbackServerContext& ctx,
                                                  absl::Duration fallback) {
  std::unique_ptr<grpc::ClientContext> child = grpc::ClientContext::FromCallbackServerContext(ctx);
  if (ctx.deadline() == Clock::time_point::max()) {
    child->set_deadline(Clock::now() + absl::ToChronoMilliseconds(fallback));
  }
  return child;
}

// One Annotate call, tried on up to `max_attempts` workers. Deletes itself
// once it has finished the caller's call.
class ForwardedAnnotate {
 public:
  ForwardedAnnotate(Dispatcher* dispatcher, const AnnotatorProxyOptions& options,
                    grpc::CallbackServerContext* ctx, const v1::AnnotateRequest* request,
                    v1::AnnotateResponse* response)
      : dispatcher_(dispatcher),
        options_(options),
        ctx_(ctx),
        request_(request),
        response_(response),
        reactor_(ctx->DefaultReactor()) {}

  grpc::ServerUnaryReactor* Start() {
    grpc::ServerUnaryReactor* reactor = reactor_;
    Attempt();  // may finish and delete `this`
    return reactor;
  }

 private:
  void Attempt() {
    absl::StatusOr<Dispatcher::WorkerChannel> worker = dispatcher_->PickWorker(tried_);
    if (!worker.ok()) {
      // Nobody left: the last worker's answer says more than "none left".
      Finish(last_error_.ok() ? worker.status() : last_error_);
      return;
    }
    tried_.push_back(worker->id);
    worker_ = std::move(worker).value();
    stub_ = v1::Annotator::NewStub(worker_.channel);
    child_ = ChildContext(*ctx_, options_.default_unary_timeout);
    response_->Clear();
    stub_->async()->Annotate(child_.get(), request_, response_,
                             [this](grpc::Status status) { OnWorkerDone(status); });
  }

  void OnWorkerDone(const grpc::Status& grpc_status) {
    const absl::Status status = FromGrpcStatus(grpc_status);
    if (absl::IsUnavailable(status)) {
      // The worker died, drains or cannot be reached: the call never ran
      // there, or ran to no effect; another worker may take it.
      dispatcher_->ReportUnavailable(worker_.id);
      last_error_ = ForwardedStatus(status, worker_.address);
      if (static_cast<int>(tried_.size()) < options_.max_attempts && !ctx_->IsCancelled() &&
          Clock::now() < ctx_->deadline()) {
        Attempt();
        return;
      }
    }
    Finish(ForwardedStatus(status, worker_.address));
  }

  void Finish(const absl::Status& status) {
    if (!status.ok()) response_->Clear();
    reactor_->Finish(ToGrpcStatus(status));
    delete this;
  }

  Dispatcher* const dispatcher_;
  const AnnotatorProxyOptions& options_;
  grpc::CallbackServerContext* const ctx_;
  const v1::AnnotateRequest* const request_;
  v1::AnnotateResponse* const response_;
  grpc::ServerUnaryReactor* const reactor_;
  std::vector<int> tried_;
  absl::Status last_error_;
  Dispatcher::WorkerChannel worker_;
  std::unique_ptr<v1::Annotator::Stub> stub_;
  std::unique_ptr<grpc::ClientContext> child_;
};

// One AnnotateStream: the caller's stream (this reactor) relayed to one
// worker stream (upstream_). Every decision is taken in Advance() under mu_,
// which also starts the operations: gRPC never runs a reaction inline in an
// operation's start (reactions go to its executor), so starting them under
// our lock cannot deadlock, and it makes the state and the operations
// change together.
//
// Directions, each with at most one message in the proxy:
//   caller --read--> request_ --write--> worker
//   worker --read--> response_ --write--> caller
// The worker stream holds a hold (AddHold) from StartCall until the proxy
// will start no more operations on it, so that its OnDone cannot run while
// the caller's side may still start one. The caller's call is finished once
// the worker's has ended (with its status) and no write to the caller is
// pending. The object is deleted by whichever of the two OnDone runs last.
class StreamProxy final
    : public grpc::ServerBidiReactor<v1::AnnotateRequest, v1::AnnotateResponse> {
 public:
  StreamProxy(Dispatcher* dispatcher, const AnnotatorProxyOptions& options,
              grpc::CallbackServerContext* ctx)
      : upstream_(this) {
    absl::StatusOr<Dispatcher::WorkerChannel> worker = dispatcher->PickWorker();
    absl::MutexLock l(&mu_);
    if (!worker.ok()) {
      refs_ = 1;  // no upstream: only our own OnDone
      finished_ = true;
      Finish(ToGrpcStatus(worker.status()));
      return;
    }
    worker_ = std::move(worker).value();
    stub_ = v1::Annotator::NewStub(worker_.channel);
    child_ = ChildContext(*ctx, options.default_stream_timeout);
    stub_->async()->AnnotateStream(child_.get(), &upstream_);
    upstream_.AddHold();
    upstream_.StartCall();
    Advance();
  }

  void OnReadDone(bool ok) override {
    absl::MutexLock l(&mu_);
    caller_reading_ = false;
    if (ok) {
      have_request_ = true;
    } else {
      caller_closed_ = true;  // half-close, or the call ended
    }
    Advance();
  }

  void OnWriteDone(bool ok) override {
    absl::MutexLock l(&mu_);
    caller_writing_ = false;
    if (!ok) Abort();  // the caller is gone
    Advance();
  }

  void OnCancel() override {
    absl::MutexLock l(&mu_);
    Abort();
    Advance();
  }

  void OnDone() override { Unref(); }

 private:
  // The worker side of the relay.
  class Upstream final : public grpc::ClientBidiReactor<v1::AnnotateRequest, v1::AnnotateResponse> {
   public:
    explicit Upstream(StreamProxy* proxy) : proxy_(proxy) {}
    void OnReadDone(bool ok) override { proxy_->OnUpstreamReadDone(ok); }
    void OnWriteDone(bool ok) override { proxy_->OnUpstreamWriteDone(ok); }
    void OnWritesDoneDone(bool) override {}
    void OnDone(const grpc::Status& status) override { proxy_->OnUpstreamDone(status); }

   private:
    StreamProxy* const proxy_;
  };

  void OnUpstreamReadDone(bool ok) {
    absl::MutexLock l(&mu_);
    upstream_reading_ = false;
    if (ok) {
      have_response_ = true;
    } else {
      upstream_ended_ = true;  // the worker finished its stream (or it broke)
    }
    Advance();
  }

  void OnUpstreamWriteDone(bool ok) {
    absl::MutexLock l(&mu_);
    upstream_writing_ = false;
    if (!ok) upstream_broken_ = true;  // the worker's status says why
    Advance();
  }

  void OnUpstreamDone(const grpc::Status& status) {
    {
      absl::MutexLock l(&mu_);
      upstream_done_ = true;
      upstream_status_ = ForwardedStatus(FromGrpcStatus(status), worker_.address);
      Advance();
    }
    Unref();
  }

  void Abort() ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_) {
    if (aborted_) return;
    aborted_ = true;
    if (child_ != nullptr) child_->TryCancel();
  }

  void Advance() ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_) {
    if (child_ == nullptr) return;  // no worker: finished in the constructor
    const bool stop_upstream = aborted_ || upstream_ended_;
    // Caller -> worker.
    if (!stop_upstream && !upstream_broken_ && !hold_released_) {
      if (have_request_ && !upstream_writing_) {
        have_request_ = false;
        upstream_writing_ = true;
        upstream_.StartWrite(&request_);
      }
      if (caller_closed_ && !have_request_ && !upstream_writing_ && !writes_done_sent_) {
        writes_done_sent_ = true;
        upstream_.StartWritesDone();
      }
    }
    if (!aborted_ && !finished_ && !caller_closed_ && !caller_reading_ && !have_request_ &&
        !upstream_writing_ && !upstream_broken_ && !upstream_ended_) {
      caller_reading_ = true;
      StartRead(&request_);
    }
    // Worker -> caller.
    if (!aborted_ && !finished_ && have_response_ && !caller_writing_) {
      have_response_ = false;
      caller_writing_ = true;
      StartWrite(&response_);
    }
    if (!stop_upstream && !hold_released_ && !upstream_reading_ && !have_response_ &&
        !caller_writing_) {
      upstream_reading_ = true;
      upstream_.StartRead(&response_);
    }
    // The worker's stream gets no new operations once it has ended or the
    // relay was aborted: let it complete.
    if (stop_upstream && !hold_released_) {
      hold_released_ = true;
      upstream_.RemoveHold();
    }
    if (upstream_done_ && !finished_ && !caller_writing_ && (!have_response_ || aborted_)) {
      finished_ = true;
      Finish(ToGrpcStatus(upstream_status_));
    }
  }

  void Unref() {
    bool last;
    {
      absl::MutexLock l(&mu_);
      last = --refs_ == 0;
    }
    if (last) delete this;
  }

  Upstream upstream_;
  Dispatcher::WorkerChannel worker_;
  std::unique_ptr<v1::Annotator::Stub> stub_;
  std::unique_ptr<grpc::ClientContext> child_;

  absl::Mutex mu_;
  v1::AnnotateRequest request_ ABSL_GUARDED_BY(mu_);
  v1::AnnotateResponse response_ ABSL_GUARDED_BY(mu_);
  int refs_ ABSL_GUARDED_BY(mu_) = 2;                // our OnDone and the worker stream's
  bool have_request_ ABSL_GUARDED_BY(mu_) = false;   // read, not yet forwarded
  bool have_response_ ABSL_GUARDED_BY(mu_) = false;  // read, not yet forwarded
  bool caller_reading_ ABSL_GUARDED_BY(mu_) = false;
  bool caller_writing_ ABSL_GUARDED_BY(mu_) = false;
  bool caller_closed_ ABSL_GUARDED_BY(mu_) = false;
  bool upstream_reading_ ABSL_GUARDED_BY(mu_) = false;
  bool upstream_writing_ ABSL_GUARDED_BY(mu_) = false;
  bool upstream_ended_ ABSL_GUARDED_BY(mu_) = false;
  bool upstream_broken_ ABSL_GUARDED_BY(mu_) = false;
  bool writes_done_sent_ ABSL_GUARDED_BY(mu_) = false;
  bool hold_released_ ABSL_GUARDED_BY(mu_) = false;
  bool upstream_done_ ABSL_GUARDED_BY(mu_) = false;
  absl::Status upstream_status_ ABSL_GUARDED_BY(mu_);
  bool aborted_ ABSL_GUARDED_BY(mu_) = false;
  bool finished_ ABSL_GUARDED_BY(mu_) = false;
};

}  // namespace

absl::Status ForwardedStatus(const absl::Status& status, absl::string_view worker_address) {
  if (absl::IsUnauthenticated(status) || absl::IsPermissionDenied(status)) {
    return absl::InternalError(
        absl::StrCat("worker ", worker_address, " refused the coordinator's credentials: ",
                     absl::StatusCodeToString(status.code()), ": ", status.message()));
  }
  return status;
}

grpc::ServerUnaryReactor* AnnotatorProxy::Annotate(grpc::CallbackServerContext* ctx,
                                                   const v1::AnnotateRequest* request,
                                                   v1::AnnotateResponse* response) {
  return (new ForwardedAnnotate(dispatcher_, options_, ctx, request, response))->Start();
}

grpc::ServerBidiReactor<v1::AnnotateRequest, v1::AnnotateResponse>* AnnotatorProxy::AnnotateStream(
    grpc::CallbackServerContext* ctx) {
  return new StreamProxy(dispatcher_, options_, ctx);
}

}  // namespace qalam
