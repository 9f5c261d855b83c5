// AnnotatorService: qalam.v1.Annotator (protos/qalam/v1/annotator.proto), the
// public annotation API, over the gRPC callback API. A thin adapter over
// RecordProcessor::AnnotateDocument, run on the runtime's thread pool.
//
// Annotate (unary): INVALID_ARGUMENT for invalid UTF-8 (the message names the
// byte offset), empty content, an unknown OffsetEncoding, summary_sentences
// or keywords above 1000; RESOURCE_EXHAUSTED when the pool is overloaded or
// the document / message is too large; UNAVAILABLE while draining;
// CANCELLED / DEADLINE_EXCEEDED honoured (the work stops).
//
// AnnotateStream (bidi): at most one read and one write in flight; responses
// in request order, each with the request's request_id; a document that
// fails gets a response with `error` set and the stream goes on. At most
// WorkerRuntimeOptions::stream_window documents per stream are in flight
// (read and not yet written back): the server stops reading when the window
// is full, so a client that stops reading is not buffered without bound
// (HTTP/2 flow control then pushes back on the client's writes).
//
// Thread-safety: safe for concurrent use. The runtime must outlive the server
// the service is registered with.
#ifndef QALAM_WORKERS_ANNOTATOR_SERVICE_H_
#define QALAM_WORKERS_ANNOTATOR_SERVICE_H_

#include <grpcpp/grpcpp.h>

#include "qalam/v1/annotator.grpc.pb.h"
#include "workers/worker_runtime.h"

namespace qalam {

class AnnotatorService final : public v1::Annotator::CallbackService {
 public:
  explicit AnnotatorService(WorkerRuntime* runtime) : runtime_(runtime) {}

  grpc::ServerUnaryReactor* Annotate(grpc::CallbackServerContext* ctx,
                                     const v1::AnnotateRequest* request,
                                     v1::AnnotateResponse* response) override;

  grpc::ServerBidiReactor<v1::AnnotateRequest, v1::AnnotateResponse>* AnnotateStream(
      grpc::CallbackServerContext* ctx) override;

 private:
  WorkerRuntime* const runtime_;
};

}  // namespace qalam

#endif  // QALAM_WORKERS_ANNOTATOR_SERVICE_H_
