// AnnotatorProxy: qalam.v1.Annotator (protos/qalam/v1/annotator.proto) as
// served by qalam-coordinator, which forwards every call to one of its
// workers, so that a client needs one address whatever the number of
// workers. The workers are the Dispatcher's: the same channels, health
// checks and credentials as corpus jobs.
//
//  * Every forwarded call is made with a child context from
//    grpc::ClientContext::FromCallbackServerContext, so the caller's deadline
//    and cancellation reach the worker (GRPC_PROPAGATE_DEFAULTS): a caller
//    that gives up stops the worker's work too. A call without a deadline
//    gets `default_unary_timeout` / `default_stream_timeout`.
//  * Annotate goes to a healthy worker (Dispatcher::PickWorker, round
//    robin). When that worker cannot be reached or is draining (UNAVAILABLE),
//    the dispatcher is told and the call is retried on another worker, up to
//    `max_attempts` workers while the deadline allows: Annotate is
//    idempotent. Other outcomes are the worker's own, passed through with
//    their standard codes (INVALID_ARGUMENT, RESOURCE_EXHAUSTED,
//    DEADLINE_EXCEEDED, CANCELLED...).
//  * AnnotateStream opens one stream to one worker and relays messages one
//    at a time in each direction: the proxy holds at most one request and
//    one response of a stream, so it adds no buffering of its own. The
//    worker's window bounds the documents in flight, and HTTP/2 flow control
//    pushes back on a client that writes faster than the worker answers or
//    stops reading. A stream is not retried (it cannot be replayed): a
//    worker lost mid-stream ends it with the worker's UNAVAILABLE.
//  * No healthy worker: UNAVAILABLE ("no healthy worker ..."). A worker that
//    refuses the coordinator's credentials: INTERNAL (the caller's own
//    credentials are checked by the coordinator, not by the worker).
//
// Thread-safety: safe for concurrent use, as gRPC requires. The Dispatcher
// must outlive the server the service is registered with.
#ifndef QALAM_COORDINATOR_ANNOTATOR_PROXY_H_
#define QALAM_COORDINATOR_ANNOTATOR_PROXY_H_

#include "absl/status/status.h"
#include "absl/strings/string_view.h"
#include "absl/time/time.h"
#include "coordinator/dispatcher.h"
#include "grpcpp/grpcpp.h"
#include "qalam/v1/annotator.grpc.pb.h"

namespace qalam {

struct AnnotatorProxyOptions {
  // Workers tried for one Annotate call (UNAVAILABLE moves on to the next).
  int max_attempts = 3;
  // Deadlines of forwarded calls whose caller set none.
  absl::Duration default_unary_timeout = absl::Seconds(60);
  absl::Duration default_stream_timeout = absl::Hours(1);
};

class AnnotatorProxy final : public v1::Annotator::CallbackService {
 public:
  // `dispatcher` must outlive the server this service is registered with.
  explicit AnnotatorProxy(Dispatcher* dispatcher,
                          AnnotatorProxyOptions options = AnnotatorProxyOptions())
      : dispatcher_(dispatcher), options_(options) {}

  grpc::ServerUnaryReactor* Annotate(grpc::CallbackServerContext* ctx,
                                     const v1::AnnotateRequest* request,
                                     v1::AnnotateResponse* response) override;

  grpc::ServerBidiReactor<v1::AnnotateRequest, v1::AnnotateResponse>* AnnotateStream(
      grpc::CallbackServerContext* ctx) override;

 private:
  Dispatcher* const dispatcher_;
  const AnnotatorProxyOptions options_;
};

// What the proxy answers for a worker's `status`: the same, except that a
// worker refusing the coordinator's credentials (UNAUTHENTICATED,
// PERMISSION_DENIED) becomes INTERNAL naming the worker, so that callers do
// not take it for a problem with their own credentials.
absl::Status ForwardedStatus(const absl::Status& status, absl::string_view worker_address);

}  // namespace qalam

#endif  // QALAM_COORDINATOR_ANNOTATOR_PROXY_H_
