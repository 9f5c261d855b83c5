#include "workers/annotator_service.h"

#include <atomic>
#include <chrono>
#include <deque>
#include <memory>
#include <utility>

#include "absl/base/thread_annotations.h"
#include "absl/strings/str_cat.h"
#include "absl/synchronization/mutex.h"
#include "common/grpc_status.h"
#include "common/log.h"
#include "common/status_macros.h"
#include "workers/proto_convert.h"
#include "workers/unary_call.h"

namespace qalam {
namespace {

// What can be checked without CPU work, on gRPC's thread: the options and
// the size. Fills `*options`.
absl::Status CheckRequest(const v1::AnnotateRequest& request, const ProcessLimits& limits,
                          AnnotateOptions* options) {
  QALAM_RETURN_IF_ERROR(AnnotateOptionsFromFeatures(request.features(), options));
  const size_t size = request.document().content().size();
  if (size > limits.max_article_bytes) {
    return absl::ResourceExhaustedError(absl::StrCat(
        "document of ", size, " bytes exceeds the limit of ", limits.max_article_bytes, " bytes"));
  }
  return absl::OkStatus();
}

// Annotates one request into `*response`. Runs on a pool thread.
absl::Status AnnotateOne(WorkerRuntime* rt, const v1::AnnotateRequest& request,
                         const AnnotateOptions& options, v1::AnnotateResponse* response) {
  QALAM_RETURN_IF_ERROR(rt->processor().AnnotateDocument(
      request.document(), options, rt->options().limits, response->mutable_annotation()));
  FillModelInfo(rt->annotator(), response->mutable_model());
  response->set_request_id(request.request_id());
  rt->stats().records.fetch_add(1, std::memory_order_relaxed);
  return absl::OkStatus();
}

// The AnnotateStream reactor. Requests are read one at a time into
// `request_` and moved into a Slot; each slot is annotated on the pool and
// written back in request order. Decisions (read, write, finish) are taken
// under `mu_` and carried out after releasing it, so that gRPC is never
// called with our lock held.
class AnnotateStreamReactor final
    : public grpc::ServerBidiReactor<v1::AnnotateRequest, v1::AnnotateResponse> {
 public:
  AnnotateStreamReactor(grpc::CallbackServerContext* ctx, WorkerRuntime* rt)
      : rt_(rt),
        deadline_(ctx->deadline()),
        window_(static_cast<size_t>(rt->options().stream_window > 0 ? rt->options().stream_window
                                                                    : 1)) {
    if (!rt_->inflight().TryEnter()) {
      {
        absl::MutexLock l(&mu_);
        finished_ = true;
      }
      Finish(ToGrpcStatus(DrainingError()));
      return;
    }
    entered_ = true;
    rt_->stats().calls.fetch_add(1, std::memory_order_relaxed);
    if (rt_->options().verbose) QALAM_LOG(INFO) << "AnnotateStream started";
    Actions a;
    {
      absl::MutexLock l(&mu_);
      Decide(&a);
    }
    Act(this, a);
  }

  void OnReadDone(bool ok) override {
    Actions a;
    {
      absl::MutexLock l(&mu_);
      reading_ = false;
      if (!ok) {
        reads_done_ = true;  // the client half-closed (or the call ended)
      } else if (!aborted_) {
        Accept();
      }
      Decide(&a);
    }
    Act(this, a);
  }

  void OnWriteDone(bool ok) override {
    Actions a;
    {
      absl::MutexLock l(&mu_);
      writing_ = false;
      if (ok) {
        slots_.pop_front();
        rt_->AddStreamBuffered(-1);
      } else {
        aborted_ = true;  // the stream is broken; nothing more can be sent
      }
      Decide(&a);
    }
    Act(this, a);
  }

  void OnCancel() override {
    cancelled_.store(true, std::memory_order_release);
    rt_->stats().calls_cancelled.fetch_add(1, std::memory_order_relaxed);
    Actions a;
    {
      absl::MutexLock l(&mu_);
      aborted_ = true;
      Decide(&a);
    }
    Act(this, a);
  }

  void OnDone() override {
    int64_t left;
    {
      absl::MutexLock l(&mu_);
      left = static_cast<int64_t>(slots_.size());
    }
    if (left > 0) rt_->AddStreamBuffered(-left);
    if (entered_) rt_->inflight().Exit();
    if (rt_->options().verbose) QALAM_LOG(INFO) << "AnnotateStream done";
    delete this;
  }

 private:
  struct Slot {
    v1::AnnotateRequest request;
    v1::AnnotateResponse response;
    AnnotateOptions options;
    bool ready = false;  // response complete; guarded by the reactor's mu_
  };

  // What to do once mu_ is released.
  struct Actions {
    bool read = false;
    const v1::AnnotateResponse* write = nullptr;
    bool finish = false;
    grpc::Status status;
  };

  static void SetError(Slot* slot, const absl::Status& s) {
    slot->response.Clear();
    slot->response.set_request_id(slot->request.request_id());
    slot->response.mutable_error()->set_code(static_cast<int32_t>(s.code()));
    slot->response.mutable_error()->set_message(std::string(s.message()));
  }

  // Takes the request just read into a new slot and posts its work.
  void Accept() ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_) {
    auto slot = std::make_unique<Slot>();
    slot->request = std::move(request_);
    request_.Clear();
    Slot* raw = slot.get();
    slots_.push_back(std::move(slot));
    rt_->AddStreamBuffered(1);
    absl::Status s = CheckRequest(raw->request, rt_->options().limits, &raw->options);
    if (s.ok()) {
      ++pending_;
      // The task takes mu_ only after its CPU work, and the pool never holds
      // its own lock while running a task, so posting under mu_ is safe.
      s = rt_->pool().TrySchedule([this, raw] { Process(raw); });
      if (!s.ok()) {
        --pending_;
        if (s.code() == absl::StatusCode::kResourceExhausted) {
          rt_->stats().calls_overloaded.fetch_add(1, std::memory_order_relaxed);
        }
      }
    }
    if (!s.ok()) {
      SetError(raw, s);
      raw->ready = true;
    }
  }

  // On a pool thread.
  void Process(Slot* slot) {
    rt_->BeforeRecord();
    absl::Status s = CheckAlive();
    if (s.ok()) s = AnnotateOne(rt_, slot->request, slot->options, &slot->response);
    if (!s.ok()) SetError(slot, s);
    Actions a;
    {
      absl::MutexLock l(&mu_);
      slot->ready = true;
      --pending_;
      Decide(&a);
    }
    Act(this, a);
  }

  absl::Status CheckAlive() const {
    if (cancelled_.load(std::memory_order_acquire)) {
      return absl::CancelledError("the call was cancelled");
    }
    if (std::chrono::system_clock::now() > deadline_) {
      return absl::DeadlineExceededError("deadline exceeded");
    }
    return absl::OkStatus();
  }

  void Decide(Actions* a) ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_) {
    if (finished_) return;
    if (aborted_) {
      // Finish once nothing of ours is outstanding: tasks use `this`, and
      // reads and writes use our buffers.
      if (pending_ == 0 && !writing_ && !reading_) {
        finished_ = true;
        a->finish = true;
        a->status = ToGrpcStatus(absl::CancelledError("the stream was cancelled"));
      }
      return;
    }
    if (!writing_ && !slots_.empty() && slots_.front()->ready) {
      writing_ = true;
      a->write = &slots_.front()->response;
    }
    if (!reading_ && !reads_done_ && slots_.size() < window_) {
      reading_ = true;
      a->read = true;
    }
    if (reads_done_ && slots_.empty() && pending_ == 0 && !writing_) {
      finished_ = true;
      a->finish = true;
      a->status = grpc::Status::OK;
    }
  }

  // Static, and touching the reactor only for an action: once mu_ is
  // released another thread may finish the call, and OnDone deletes it, so
  // a call with nothing to do must not even name `r`. An action keeps `r`
  // alive until it is issued: a write or a read outstanding (writing_,
  // reading_) holds Decide back from finishing, and a write and a finish,
  // or a read and a finish, are never decided together.
  static void Act(AnnotateStreamReactor* r, const Actions& a) {
    if (a.write != nullptr) r->StartWrite(a.write);
    if (a.read) r->StartRead(&r->request_);
    if (a.finish) r->Finish(a.status);
  }

  WorkerRuntime* const rt_;
  const std::chrono::system_clock::time_point deadline_;
  const size_t window_;
  std::atomic<bool> cancelled_{false};
  bool entered_ = false;         // set in the constructor, read in OnDone
  v1::AnnotateRequest request_;  // the read buffer; one read at a time

  absl::Mutex mu_;
  std::deque<std::unique_ptr<Slot>> slots_ ABSL_GUARDED_BY(mu_);  // in request order
  int pending_ ABSL_GUARDED_BY(mu_) = 0;                          // tasks posted and not done
  bool reading_ ABSL_GUARDED_BY(mu_) = false;
  bool writing_ ABSL_GUARDED_BY(mu_) = false;
  bool reads_done_ ABSL_GUARDED_BY(mu_) = false;
  bool aborted_ ABSL_GUARDED_BY(mu_) = false;
  bool finished_ ABSL_GUARDED_BY(mu_) = false;
};

}  // namespace

grpc::ServerUnaryReactor* AnnotatorService::Annotate(grpc::CallbackServerContext* ctx,
                                                     const v1::AnnotateRequest* request,
                                                     v1::AnnotateResponse* response) {
  WorkerRuntime* rt = runtime_;
  auto* call = new PooledUnaryCall(ctx, rt);
  AnnotateOptions options;
  absl::Status s = CheckRequest(*request, rt->options().limits, &options);
  if (!s.ok()) {
    call->Finish(ToGrpcStatus(s));
    return call;
  }
  return call->Start([rt, request, response, options](PooledUnaryCall* c) {
    rt->BeforeRecord();
    QALAM_RETURN_IF_ERROR(c->CheckAlive());
    absl::Status st = AnnotateOne(rt, *request, options, response);
    if (rt->options().verbose) {
      QALAM_LOG(INFO) << "Annotate " << request->document().content().size() << " bytes: " << st;
    }
    return st;
  });
}

grpc::ServerBidiReactor<v1::AnnotateRequest, v1::AnnotateResponse>*
AnnotatorService::AnnotateStream(grpc::CallbackServerContext* ctx) {
  return new AnnotateStreamReactor(ctx, runtime_);
}

}  // namespace qalam
