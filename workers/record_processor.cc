#include "workers/record_processor.h"

#include <time.h>

#include <algorithm>
#include <utility>

#include "absl/strings/str_cat.h"
#include "common/status_macros.h"
#include "workers/pipeline/fingerprint.h"
#include "workers/proto_convert.h"
#include "workers/text/utf8.h"

namespace qalam {
namespace {

absl::string_view View(const std::string& s) { return absl::string_view(s.data(), s.size()); }

uint64_t ThreadCpuMicros() {
  struct timespec ts;
  if (clock_gettime(CLOCK_THREAD_CPUTIME_ID, &ts) != 0) return 0;
  return static_cast<uint64_t>(ts.tv_sec) * 1000000u + static_cast<uint64_t>(ts.tv_nsec) / 1000u;
}

bool SameFields(const ArticleFields& a, const ArticleFields& b) {
  return a.text == b.text && a.id == b.id && a.title == b.title && a.lang == b.lang;
}

}  // namespace

RecordProcessor::RecordProcessor(const Annotator& annotator) : annotator_(annotator) {}

RecordProcessor::~RecordProcessor() = default;

ArticleParser* RecordProcessor::Parser(const ArticleFields& fields, const ArticleLimits& limits) {
  if (parser_ == nullptr || !SameFields(fields, parser_fields_) ||
      limits.max_text_bytes != parser_limits_.max_text_bytes ||
      limits.replace_invalid_utf8 != parser_limits_.replace_invalid_utf8) {
    parser_ = std::make_unique<ArticleParser>(fields, limits);
    parser_fields_ = fields;
    parser_limits_ = limits;
  }
  return parser_.get();
}

absl::Status RecordProcessor::DocumentArticle(const v1::Document& doc, const ArticleLimits& limits,
                                              ArticleView* article) {
  *article = ArticleView();
  article->id = View(doc.id());
  absl::string_view content = View(doc.content());
  if (limits.replace_invalid_utf8 && text::FindInvalidUtf8(content) != absl::string_view::npos) {
    text::ReplaceInvalidUtf8(content, &repaired_);
    content = repaired_;
  }
  QALAM_RETURN_IF_ERROR(ValidateArticleText(content, limits));
  article->text = content;
  absl::string_view title = View(doc.title());
  const size_t bad = text::FindInvalidUtf8(title);
  if (bad != absl::string_view::npos) {
    // The title only helps; with replace_invalid_utf8 a bad one is dropped
    // rather than refusing the article.
    if (!limits.replace_invalid_utf8) {
      return absl::InvalidArgumentError(absl::StrCat("invalid UTF-8 in title at byte ", bad));
    }
    title = absl::string_view();
  }
  article->title = title;
  article->lang_hint = View(doc.language_hint());
  return absl::OkStatus();
}

absl::Status RecordProcessor::ProcessBatch(const v1::BatchRequest& request,
                                           const ProcessLimits& limits, CheckAliveFn check_alive,
                                           v1::BatchResponse* response) {
  const uint64_t cpu_start = ThreadCpuMicros();
  const v1::BatchOptions& bo = request.options();
  AnnotateOptions options;
  absl::Status st = AnnotateOptionsFromFeatures(bo.features(), &options);
  if (!st.ok()) return absl::InvalidArgumentError(absl::StrCat("options.", st.message()));

  ArticleFields fields;
  if (!bo.text_field().empty()) fields.text = bo.text_field();
  if (!bo.id_field().empty()) fields.id = bo.id_field();
  if (!bo.title_field().empty()) fields.title = bo.title_field();
  if (!bo.lang_field().empty()) fields.lang = bo.lang_field();
  ArticleLimits article_limits;
  article_limits.max_text_bytes = limits.max_article_bytes;
  if (bo.max_article_bytes() > 0) {
    article_limits.max_text_bytes =
        static_cast<size_t>(std::min<uint64_t>(bo.max_article_bytes(), limits.max_article_bytes));
  }
  article_limits.replace_invalid_utf8 = bo.replace_invalid_utf8();
  ArticleParser* parser = Parser(fields, article_limits);

  response->Clear();
  response->set_shard(request.shard());
  response->mutable_results()->Reserve(request.records_size());
  for (const v1::Record& record : request.records()) {
    QALAM_RETURN_IF_ERROR(check_alive());
    v1::RecordResult* out = response->add_results();
    out->set_seq(record.seq());
    ArticleView article;
    absl::Status s;
    absl::string_view error_id;
    switch (record.payload_case()) {
      case v1::Record::kJson: {
        const uint64_t line = record.line() > 0 ? record.line() : record.seq() + 1;
        s = parser->Parse(View(record.json()), line, &article, &id_);
        error_id = id_;
        break;
      }
      case v1::Record::kDocument:
        s = DocumentArticle(record.document(), article_limits, &article);
        error_id = View(record.document().id());
        break;
      case v1::Record::PAYLOAD_NOT_SET:
        s = absl::InvalidArgumentError("record has neither json nor document");
        break;
    }
    if (s.ok()) s = annotator_.Annotate(article, options, &scratch_, &result_);
    if (s.ok()) {
      if (bo.json_results()) {
        std::string* line = out->mutable_result_json();
        line->reserve(last_line_bytes_ + last_line_bytes_ / 4);
        AppendResultJson(result_, line);
        last_line_bytes_ = line->size();
      } else {
        ToAnnotationProto(result_, out->mutable_annotation());
      }
      if (bo.record_stats()) {
        // The text is already analysed (words found and hashed): the
        // fingerprint costs one pass over the tokens.
        ComputeFingerprint(scratch_.analyzed, &fingerprint_);
        v1::RecordStats* stats = out->mutable_stats();
        stats->set_chars(fingerprint_.chars);
        stats->set_text_hash(fingerprint_.text_hash);
        stats->mutable_minhash()->Reserve(kMinHashSize);
        for (uint32_t v : fingerprint_.minhash) stats->add_minhash(v);
        FillReportFields(result_, stats->mutable_report());
      }
    } else {
      v1::RecordError* e = out->mutable_error();
      e->set_code(static_cast<int32_t>(s.code()));
      e->set_message(std::string(s.message()));
      e->set_id(std::string(error_id));
    }
  }
  FillModelInfo(annotator_, response->mutable_model());
  response->set_cpu_micros(ThreadCpuMicros() - cpu_start);
  if (limits.max_response_bytes > 0) {
    const size_t size = response->ByteSizeLong();
    if (size > limits.max_response_bytes) {
      return absl::ResourceExhaustedError(
          absl::StrCat("response of ", size, " bytes for ", request.records_size(),
                       " records exceeds the maximum message size of ", limits.max_response_bytes,
                       " bytes; send smaller batches"));
    }
  }
  return absl::OkStatus();
}

absl::Status RecordProcessor::AnnotateDocument(const v1::Document& document,
                                               const AnnotateOptions& options,
                                               const ProcessLimits& limits, v1::Annotation* out) {
  if (document.content().size() > limits.max_article_bytes) {
    return absl::ResourceExhaustedError(absl::StrCat("document of ", document.content().size(),
                                                     " bytes exceeds the limit of ",
                                                     limits.max_article_bytes, " bytes"));
  }
  ArticleLimits article_limits;
  article_limits.max_text_bytes = limits.max_article_bytes;
  ArticleView article;
  QALAM_RETURN_IF_ERROR(DocumentArticle(document, article_limits, &article));
  QALAM_RETURN_IF_ERROR(annotator_.Annotate(article, options, &scratch_, &result_));
  ToAnnotationProto(result_, out);
  return absl::OkStatus();
}

}  // namespace qalam
