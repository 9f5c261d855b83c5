// Conversions between qalam's protos (protos/qalam/v1) and the annotator's
// C++ types (workers/pipeline/annotator.h). The RPC services and the
// coordinator use these so that a result is converted in one place only.
//
// Pure functions; thread-safe.
#ifndef QALAM_WORKERS_PROTO_CONVERT_H_
#define QALAM_WORKERS_PROTO_CONVERT_H_

#include "absl/status/status.h"
#include "qalam/v1/document.pb.h"
#include "qalam/v1/worker.pb.h"
#include "workers/pipeline/annotator.h"

namespace qalam {

// Fills `*out` from `features` (docs: document.proto's Features). When none of
// the feature booleans is set, everything is computed; 0 for
// summary_sentences or keywords means the defaults (3 and 10).
// Returns InvalidArgument, leaving `*out` unspecified, for an OffsetEncoding
// value this build does not know, or summary_sentences / keywords above
// kMaxSummarySentences / kMaxKeywords (1000). The message names the field.
absl::Status AnnotateOptionsFromFeatures(const v1::Features& features, AnnotateOptions* out);

// Writes every group that `result` has (has_language, has_label,
// has_sentences, has_summary, has_keywords) into `*out`, which is cleared
// first. Groups not computed are left at their proto defaults.
void ToAnnotationProto(const AnnotationResult& result, v1::Annotation* out);

// The values of `result`'s results.jsonl line that report.json counts
// (language, label, keywords, tokens, number of sentences), as the line
// holds them (AppendResultJson): each present exactly when the line has it.
void FillReportFields(const AnnotationResult& result, v1::ReportFields* out);

// What produced the answers of this binary: the qalam version and the models
// built into it (empty strings for models that do not exist yet).
void FillModelInfo(const Annotator& annotator, v1::ModelInfo* out);

// The inverse of ToAnnotationProto: an Annotation back into the result
// model, so it renders as the same results.jsonl line (has_* groups are set
// from what the message carries).
void FromAnnotationProto(const v1::Annotation& in, AnnotationResult* out);

}  // namespace qalam

#endif  // QALAM_WORKERS_PROTO_CONVERT_H_
