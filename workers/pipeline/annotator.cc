#include "workers/pipeline/annotator.h"

#include <algorithm>
#include <fstream>
#include <iterator>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"

#include "common/hash.h"
#include "common/json_writer.h"
#include "common/model_path.h"
#include "common/status_macros.h"

namespace qalam {

absl::Status ValidateAnnotateOptions(const AnnotateOptions& options) {
  if (options.summary_sentences < 0 || options.summary_sentences > kMaxSummarySentences) {
    return absl::InvalidArgumentError(absl::StrCat("summary sentences must be in [0, ",
                                                   kMaxSummarySentences, "], got ",
                                                   options.summary_sentences));
  }
  if (!(options.summary_ratio >= 0 && options.summary_ratio <= 1)) {
    return absl::InvalidArgumentError(
        absl::StrCat("summary ratio must be in [0, 1], got ", options.summary_ratio));
  }
  if (options.summary_max_sentences < 1 ||
      options.summary_max_sentences > kMaxSummarySentences) {
    return absl::InvalidArgumentError(absl::StrCat("summary max sentences must be in [1, ",
                                                   kMaxSummarySentences, "], got ",
                                                   options.summary_max_sentences));
  }
  if (options.keywords < 0 || options.keywords > kMaxKeywords) {
    return absl::InvalidArgumentError(absl::StrCat("keywords must be in [0, ", kMaxKeywords,
                                                   "], got ", options.keywords));
  }
  return absl::OkStatus();
}

summarize::Language SummaryLanguage(const text::LanguageResult* identified,
                                    const text::AnalyzedText& body) {
  if (identified != nullptr) {
    if (identified->lang == text::Language::kArabic) return summarize::Language::kArabic;
    if (identified->lang == text::Language::kEnglish) return summarize::Language::kEnglish;
  }
  const auto& letters = body.letters_by_script();
  return letters[text::kScriptArabic] > letters[text::kScriptLatin] ? summarize::Language::kArabic
                                                                    : summarize::Language::kEnglish;
}

Annotator::Annotator(text::AnalyzerOptions analyzer_options)
    : Annotator(analyzer_options, /*load_models=*/true) {}

namespace {

// True when the classifier can use tokens analysed with `o`: its features
// need stems and the default normalisation (features.h).
bool ClassifierCanUse(const text::AnalyzerOptions& o) {
  return o.stems && !o.normalizer.fold_teh_marbuta;
}

bool FileExists(const std::string& path) { return std::ifstream(path).good(); }

std::string Taxonomy(const classify::TopicModel& m) { return absl::StrJoin(m.labels(), ","); }

}  // namespace

Annotator::Annotator(text::AnalyzerOptions analyzer_options, bool load_models)
    : analyzer_(analyzer_options) {
  if (!ClassifierCanUse(analyzer_options)) topic_analyzer_ = std::make_unique<text::Analyzer>();
  if (load_models) {
    AnnotatorConfig config;
    config.analyzer = analyzer_options;
    status_ = LoadModels(config);
  }
}

absl::StatusOr<std::unique_ptr<Annotator>> Annotator::Create(const AnnotatorConfig& config) {
  std::unique_ptr<Annotator> a(new Annotator(config.analyzer, /*load_models=*/false));
  QALAM_RETURN_IF_ERROR(a->LoadModels(config));
  return a;
}

const classify::TopicModel* Annotator::topic_model(text::Language lang) const {
  if (topic_all_ != nullptr) return topic_all_.get();
  if (lang == text::Language::kArabic) return topic_ar_.get();
  if (lang == text::Language::kEnglish) return topic_en_.get();
  return nullptr;
}

absl::Status Annotator::LoadModels(const AnnotatorConfig& config) {
  const std::string& model_dir = config.model_dir;
  auto path = [&](const char* name) -> absl::StatusOr<std::string> {
    if (!model_dir.empty()) return absl::StrCat(model_dir, "/", name);
    return FindBundledModel(name);
  };
  QALAM_ASSIGN_OR_RETURN(std::string langid_path, path("langid.bin"));
  QALAM_ASSIGN_OR_RETURN(langid_, text::LanguageIdentifier::Load(langid_path));
  versions_.language_model = DescribeModelFile(langid_path);
  QALAM_ASSIGN_OR_RETURN(std::string ar_path, path("summarize-ar.bin"));
  QALAM_ASSIGN_OR_RETURN(std::string en_path, path("summarize-en.bin"));
  // Keyword tables rebuilt by `qalam train` next to the topic model.
  if (!config.topic_model.empty()) {
    if (FileExists(config.topic_model + ".summarize-ar.bin")) {
      ar_path = config.topic_model + ".summarize-ar.bin";
    }
    if (FileExists(config.topic_model + ".summarize-en.bin")) {
      en_path = config.topic_model + ".summarize-en.bin";
    }
  }
  QALAM_ASSIGN_OR_RETURN(std::unique_ptr<summarize::SummaryModel> ar,
                         summarize::SummaryModel::Load(ar_path));
  QALAM_ASSIGN_OR_RETURN(std::unique_ptr<summarize::SummaryModel> en,
                         summarize::SummaryModel::Load(en_path));
  QALAM_ASSIGN_OR_RETURN(summarizer_, summarize::Summarizer::Create(std::move(ar), std::move(en)));
  versions_.summarizer = absl::StrCat(DescribeModelFile(ar_path), ", ", DescribeModelFile(en_path));
  if (!config.topic_model.empty()) {
    QALAM_ASSIGN_OR_RETURN(topic_all_, classify::TopicModel::Load(config.topic_model));
    versions_.arabic_topic_model = versions_.english_topic_model =
        DescribeModelFile(config.topic_model);
    versions_.taxonomy = absl::StrCat("all: ", Taxonomy(*topic_all_));
  } else {
    QALAM_ASSIGN_OR_RETURN(std::string tar_path, path("topic-ar.bin"));
    QALAM_ASSIGN_OR_RETURN(std::string ten_path, path("topic-en.bin"));
    QALAM_ASSIGN_OR_RETURN(topic_ar_, classify::TopicModel::Load(tar_path));
    QALAM_ASSIGN_OR_RETURN(topic_en_, classify::TopicModel::Load(ten_path));
    versions_.arabic_topic_model = DescribeModelFile(tar_path);
    versions_.english_topic_model = DescribeModelFile(ten_path);
    versions_.taxonomy =
        absl::StrCat("ar: ", Taxonomy(*topic_ar_), "; en: ", Taxonomy(*topic_en_));
  }
  return absl::OkStatus();
}

std::string DescribeModelFile(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  char header[32];
  if (!in || !in.read(header, sizeof(header))) return absl::StrCat(path, " (unreadable)");
  const uint64_t checksum = LoadLe64(reinterpret_cast<const unsigned char*>(header) + 24);
  const size_t slash = path.rfind('/');
  const std::string name = slash == std::string::npos ? path : path.substr(slash + 1);
  return absl::StrCat(name, " ", absl::Hex(checksum, absl::kZeroPad16));
}

text::LanguageResult DecideLanguage(const text::LanguageIdentifier& langid,
                                    const ArticleView& article) {
  text::LanguageResult r = langid.IdentifyArticle(article.title, article.text);
  text::Language hint = text::Language::kUndetermined;
  if (article.lang_hint == "ar") hint = text::Language::kArabic;
  if (article.lang_hint == "en") hint = text::Language::kEnglish;
  if (hint != text::Language::kUndetermined && r.lang != hint && r.confidence < 0.9) {
    r.lang = hint;
    r.confidence = 0.5;
  }
  return r;
}

void AnnotationResult::Clear() {
  id.clear();
  has_language = false;
  language.clear();
  language_confidence = 0;
  has_label = false;
  label.clear();
  confidence = 0;
  labels.clear();
  has_sentences = false;
  sentence_offsets.clear();
  tokens = 0;
  has_summary = false;
  summary.clear();
  summary_text.clear();
  has_keywords = false;
  keywords.clear();
}

absl::Status Annotator::Annotate(const ArticleView& article, const AnnotateOptions& options,
                                 AnnotatorScratch* scratch, AnnotationResult* result) const {
  result->Clear();
  result->id.assign(article.id.data(), article.id.size());
  QALAM_RETURN_IF_ERROR(analyzer_.Analyze(article.text, &scratch->analyzed));
  const text::AnalyzedText& doc = scratch->analyzed;
  // The language serves the result line and picks the summariser's and the
  // classifier's models.
  const bool summaries = options.summarize || options.keywords_enabled;
  text::LanguageResult lang;
  const bool identified =
      langid_ != nullptr && (options.language || summaries || options.classify);
  if (identified) lang = DecideLanguage(*langid_, article);
  if (options.language) {
    if (langid_ == nullptr) return status_;
    result->has_language = true;
    result->language = lang.code();
    result->language_confidence = static_cast<float>(lang.confidence);
  }
  if (options.sentences) {
    result->has_sentences = true;
    result->tokens = doc.word_count();
    result->sentence_offsets.reserve(doc.sentences().size() * 2);
    for (const text::Sentence& s : doc.sentences()) {
      result->sentence_offsets.push_back(s.begin);
      result->sentence_offsets.push_back(s.end);
    }
    text::ConvertOffsets(article.text, options.offsets, &result->sentence_offsets);
  }
  const text::AnalyzerOptions& ao = analyzer_.options();
  bool title_analyzed = false;
  if (options.classify) {
    if (langid_ == nullptr || (topic_all_ == nullptr && topic_ar_ == nullptr)) return status_;
    const classify::TopicModel* model = topic_model(lang.lang);
    if (model != nullptr) {
      const text::AnalyzedText* title = &scratch->title;
      const text::AnalyzedText* body = &doc;
      if (topic_analyzer_ == nullptr) {
        QALAM_RETURN_IF_ERROR(analyzer_.Analyze(article.title, &scratch->title));
        title_analyzed = true;
      } else {
        QALAM_RETURN_IF_ERROR(topic_analyzer_->Analyze(article.title, &scratch->topic_title));
        QALAM_RETURN_IF_ERROR(topic_analyzer_->Analyze(article.text, &scratch->topic_body));
        title = &scratch->topic_title;
        body = &scratch->topic_body;
      }
      classify::TopicPrediction& p = scratch->prediction;
      model->Classify(*title, *body, &scratch->topic, &p, kMaxTopicLabels, kMinLabelScore);
      result->has_label = true;
      result->label = model->label(p.label);
      result->confidence = p.confidence;
      result->labels.reserve(p.top.size());
      for (const classify::ScoredTopic& t : p.top) {
        result->labels.push_back(ScoredLabel{model->label(t.label), t.score});
      }
    }
  }
  if (summaries && ao.stems && ao.sentences) {
    if (summarizer_ == nullptr) return status_;
    if (!title_analyzed) QALAM_RETURN_IF_ERROR(analyzer_.Analyze(article.title, &scratch->title));
    const summarize::Language summary_lang = SummaryLanguage(identified ? &lang : nullptr, doc);
    if (options.summarize) {
      summarize::SummaryOptions so;
      so.sentences = options.summary_sentences;
      so.ratio = options.summary_ratio;
      so.min_sentences = 1;
      so.max_sentences = options.summary_max_sentences;
      summarizer_->Summarize(summary_lang, scratch->title, doc, so, &scratch->summarizer,
                             &scratch->summary);
      result->has_summary = true;
      result->summary.assign(scratch->summary.sentences.begin(),
                             scratch->summary.sentences.end());
      result->summary_text.assign(scratch->summary.text);
    }
    if (options.keywords_enabled) {
      summarizer_->Keywords(summary_lang, scratch->title, doc, options.keywords,
                            &scratch->summarizer, &result->keywords);
      result->has_keywords = true;
    }
  }
  return absl::OkStatus();
}

void AppendResultJson(const AnnotationResult& r, std::string* out) {
  // Field order follows docs/CONTRACT.md.
  out->append("{\"id\":");
  AppendJsonString(out, r.id);
  if (r.has_language) {
    out->append(",\"lang\":");
    AppendJsonString(out, r.language);
    out->append(",\"lang_confidence\":");
    AppendJsonDouble(out, r.language_confidence);
  }
  if (r.has_label) {
    out->append(",\"label\":");
    AppendJsonString(out, r.label);
    out->append(",\"confidence\":");
    AppendJsonDouble(out, r.confidence);
    out->append(",\"labels\":[");
    for (size_t i = 0; i < r.labels.size(); ++i) {
      if (i > 0) out->push_back(',');
      out->append("{\"name\":");
      AppendJsonString(out, r.labels[i].name);
      out->append(",\"score\":");
      AppendJsonDouble(out, r.labels[i].score);
      out->push_back('}');
    }
    out->push_back(']');
  }
  if (r.has_sentences) {
    out->append(",\"sentences\":[");
    for (size_t i = 0; i + 1 < r.sentence_offsets.size(); i += 2) {
      if (i > 0) out->push_back(',');
      out->push_back('[');
      AppendJsonUint(out, r.sentence_offsets[i]);
      out->push_back(',');
      AppendJsonUint(out, r.sentence_offsets[i + 1]);
      out->push_back(']');
    }
    out->append("],\"tokens\":");
    AppendJsonUint(out, r.tokens);
  }
  if (r.has_summary) {
    out->append(",\"summary\":[");
    for (size_t i = 0; i < r.summary.size(); ++i) {
      if (i > 0) out->push_back(',');
      AppendJsonUint(out, r.summary[i]);
    }
    out->append("],\"summary_text\":");
    AppendJsonString(out, r.summary_text);
  }
  if (r.has_keywords) {
    out->append(",\"keywords\":[");
    for (size_t i = 0; i < r.keywords.size(); ++i) {
      if (i > 0) out->push_back(',');
      AppendJsonString(out, r.keywords[i]);
    }
    out->push_back(']');
  }
  out->push_back('}');
}

void AppendErrorJson(absl::string_view file, uint64_t line, absl::string_view id,
                     const absl::Status& status, std::string* out) {
  out->push_back('{');
  bool comma = false;
  if (!file.empty()) {
    out->append("\"file\":");
    AppendJsonString(out, file);
    comma = true;
  }
  if (line > 0) {
    if (comma) out->push_back(',');
    out->append("\"line\":");
    AppendJsonUint(out, line);
    comma = true;
  }
  if (!id.empty()) {
    if (comma) out->push_back(',');
    out->append("\"id\":");
    AppendJsonString(out, id);
    comma = true;
  }
  if (comma) out->push_back(',');
  out->append("\"code\":");
  AppendJsonString(out, absl::StatusCodeToString(status.code()));
  out->append(",\"error\":");
  AppendJsonString(out, status.message());
  out->push_back('}');
}

}  // namespace qalam
