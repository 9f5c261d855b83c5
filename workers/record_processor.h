// RecordProcessor: the worker's per-article logic behind its RPCs, without
// any gRPC. It unpacks records and documents from the protos, runs the shared
// pipeline (ArticleParser, Annotator, AppendResultJson in workers/pipeline,
// exactly what `qalam annotate` runs, so results are byte-identical by
// construction) and packs the results.
//
// A RecordProcessor holds per-thread scratch memory (a JSON parser, the
// annotator's buffers, a result) that it reuses from one article to the
// next; the servers keep one per pool thread.
//
// Thread-safety: not thread-safe; one per thread. The Annotator it borrows is
// shared and must outlive it.
#ifndef QALAM_WORKERS_RECORD_PROCESSOR_H_
#define QALAM_WORKERS_RECORD_PROCESSOR_H_

#include <cstddef>
#include <cstdint>
#include <memory>
#include <string>

#include "absl/functional/function_ref.h"
#include "absl/status/status.h"
#include "qalam/v1/document.pb.h"
#include "qalam/v1/worker.pb.h"
#include "workers/pipeline/annotator.h"
#include "workers/pipeline/article.h"
#include "workers/pipeline/fingerprint.h"

namespace qalam {

// The worker's own limits; requests may ask for less, never for more.
struct ProcessLimits {
  // Longest article text accepted (bytes).
  size_t max_article_bytes = 16u << 20;
  // Largest response a batch may produce (bytes), normally the server's
  // maximum message size; 0 for no check.
  size_t max_response_bytes = 0;
};

// Called between records; returns OK to go on, or the status to stop with
// (CANCELLED, DEADLINE_EXCEEDED).
using CheckAliveFn = absl::FunctionRef<absl::Status()>;

class RecordProcessor {
 public:
  explicit RecordProcessor(const Annotator& annotator);
  ~RecordProcessor();
  RecordProcessor(const RecordProcessor&) = delete;
  RecordProcessor& operator=(const RecordProcessor&) = delete;

  // Processes every record of `request` into `*response` (one RecordResult
  // per record, in request order). A record that cannot be processed gets a
  // RecordError with its code, message and id (when it could be read) and the
  // batch goes on. `check_alive` is called before each record. With
  // options.record_stats, each result also carries its RecordStats (length
  // and duplicate-detection fingerprints, workers/pipeline/fingerprint.h).
  //
  // Returns OK when every record has a result; InvalidArgument (naming the
  // field) for unacceptable options; the status of `check_alive` when it
  // stops the batch (the response is then incomplete and must not be sent);
  // ResourceExhausted when the response would exceed
  // limits.max_response_bytes.
  absl::Status ProcessBatch(const v1::BatchRequest& request, const ProcessLimits& limits,
                            CheckAliveFn check_alive, v1::BatchResponse* response);

  // Annotates one document for the Annotate API into `*out` (id echoed).
  // Returns InvalidArgument for invalid UTF-8 in the content or title (the
  // message names the byte offset) or an empty content; ResourceExhausted
  // when the content is longer than limits.max_article_bytes.
  absl::Status AnnotateDocument(const v1::Document& document, const AnnotateOptions& options,
                                const ProcessLimits& limits, v1::Annotation* out);

 private:
  // The parser for `fields` and `limits`, rebuilt only when they change
  // (normally never: a job's batches all use the same options).
  ArticleParser* Parser(const ArticleFields& fields, const ArticleLimits& limits);
  // Validates `doc` and points `*article` at its fields (or at a repaired
  // copy of the content when limits.replace_invalid_utf8 is set).
  absl::Status DocumentArticle(const v1::Document& doc, const ArticleLimits& limits,
                               ArticleView* article);

  const Annotator& annotator_;
  AnnotatorScratch scratch_;
  AnnotationResult result_;
  ArticleFingerprint fingerprint_;
  std::unique_ptr<ArticleParser> parser_;
  ArticleFields parser_fields_;
  ArticleLimits parser_limits_;
  std::string repaired_;  // content with invalid UTF-8 replaced
  std::string id_;        // the id of a record that failed to parse
  // Bytes of the last result line: the next one's buffer is reserved from
  // it, so it is allocated once instead of grown by doubling.
  size_t last_line_bytes_ = 1024;
};

}  // namespace qalam

#endif  // QALAM_WORKERS_RECORD_PROCESSOR_H_
