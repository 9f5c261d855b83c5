#include "workers/proto_convert.h"

#include "absl/strings/str_cat.h"

#ifndef QALAM_VERSION
#define QALAM_VERSION "unknown"
#endif

namespace qalam {

absl::Status AnnotateOptionsFromFeatures(const v1::Features& f, AnnotateOptions* out) {
  *out = AnnotateOptions();
  // Read the raw number: proto3 keeps enum values it does not know.
  const int encoding = static_cast<int>(f.offset_encoding());
  switch (encoding) {
    case v1::OFFSET_ENCODING_UNSPECIFIED:
    case v1::UTF8:
      out->offsets = text::OffsetUnit::kUtf8;
      break;
    case v1::UTF16:
      out->offsets = text::OffsetUnit::kUtf16;
      break;
    case v1::CODE_POINT:
      out->offsets = text::OffsetUnit::kCodePoint;
      break;
    default:
      return absl::InvalidArgumentError(
          absl::StrCat("features.offset_encoding: unknown value ", encoding,
                       " (expected UTF8=1, UTF16=2 or CODE_POINT=3)"));
  }
  // Checked as unsigned before narrowing, so 4294967295 is reported as such.
  if (f.summary_sentences() > static_cast<uint32_t>(kMaxSummarySentences)) {
    return absl::InvalidArgumentError(absl::StrCat("features.summary_sentences: at most ",
                                                   kMaxSummarySentences, ", got ",
                                                   f.summary_sentences()));
  }
  if (f.keywords() > static_cast<uint32_t>(kMaxKeywords)) {
    return absl::InvalidArgumentError(
        absl::StrCat("features.keywords: at most ", kMaxKeywords, ", got ", f.keywords()));
  }
  if (f.summary_sentences() > 0) out->summary_sentences = static_cast<int>(f.summary_sentences());
  if (f.keywords() > 0) out->keywords = static_cast<int>(f.keywords());
  const bool any = f.extract_sentences() || f.identify_language() || f.classify() ||
                   f.summarize() || f.extract_keywords();
  if (any) {
    out->sentences = f.extract_sentences();
    out->language = f.identify_language();
    out->classify = f.classify();
    out->summarize = f.summarize();
    out->keywords_enabled = f.extract_keywords();
  }
  return ValidateAnnotateOptions(*out);
}

void ToAnnotationProto(const AnnotationResult& r, v1::Annotation* out) {
  out->Clear();
  out->set_id(r.id);
  if (r.has_language) {
    out->set_language(r.language);
    out->set_language_confidence(r.language_confidence);
  }
  if (r.has_label) {
    out->set_label(r.label);
    out->set_confidence(r.confidence);
    out->mutable_labels()->Reserve(static_cast<int>(r.labels.size()));
    for (const ScoredLabel& l : r.labels) {
      v1::Label* label = out->add_labels();
      label->set_name(l.name);
      label->set_score(l.score);
    }
  }
  if (r.has_sentences) {
    out->mutable_sentence_offsets()->Add(r.sentence_offsets.begin(), r.sentence_offsets.end());
    out->set_tokens(r.tokens);
  }
  if (r.has_summary) {
    out->mutable_summary()->Add(r.summary.begin(), r.summary.end());
    out->set_summary_text(r.summary_text);
  }
  if (r.has_keywords) {
    out->mutable_keywords()->Reserve(static_cast<int>(r.keywords.size()));
    for (const std::string& k : r.keywords) out->add_keywords(k);
  }
}

void FillReportFields(const AnnotationResult& result, v1::ReportFields* out) {
  out->Clear();
  if (result.has_language) out->set_lang(result.language);
  if (result.has_label) out->set_label(result.label);
  if (result.has_sentences) {  // the line's "sentences" and "tokens" go together
    out->set_tokens(result.tokens);
    out->set_sentences(result.sentence_offsets.size() / 2);
  }
  if (result.has_keywords) {
    out->set_has_keywords(true);
    size_t bytes = 0;
    for (const std::string& k : result.keywords) bytes += k.size();
    std::string* all = out->mutable_keywords();
    all->reserve(bytes);
    out->mutable_keyword_bytes()->Reserve(static_cast<int>(result.keywords.size()));
    for (const std::string& k : result.keywords) {
      all->append(k);
      out->add_keyword_bytes(static_cast<uint32_t>(k.size()));
    }
  }
}

void FillModelInfo(const Annotator& annotator, v1::ModelInfo* out) {
  out->Clear();
  out->set_qalam_version(QALAM_VERSION);
  const ModelVersions& v = annotator.versions();
  out->set_language_model(v.language_model);
  out->set_arabic_topic_model(v.arabic_topic_model);
  out->set_english_topic_model(v.english_topic_model);
  out->set_taxonomy(v.taxonomy);
}

void FromAnnotationProto(const v1::Annotation& in, AnnotationResult* out) {
  out->Clear();
  out->id = in.id();
  if (!in.language().empty()) {
    out->has_language = true;
    out->language = in.language();
    out->language_confidence = in.language_confidence();
  }
  if (!in.label().empty() || in.labels_size() > 0) {
    out->has_label = true;
    out->label = in.label();
    out->confidence = in.confidence();
    for (const v1::Label& l : in.labels()) out->labels.push_back(ScoredLabel{l.name(), l.score()});
  }
  if (in.sentence_offsets_size() > 0 || in.tokens() > 0) {
    out->has_sentences = true;
    out->sentence_offsets.assign(in.sentence_offsets().begin(), in.sentence_offsets().end());
    out->tokens = in.tokens();
  }
  if (in.summary_size() > 0 || !in.summary_text().empty()) {
    out->has_summary = true;
    out->summary.assign(in.summary().begin(), in.summary().end());
    out->summary_text = in.summary_text();
  }
  if (in.keywords_size() > 0) {
    out->has_keywords = true;
    out->keywords.assign(in.keywords().begin(), in.keywords().end());
  }
}

}  // namespace qalam
