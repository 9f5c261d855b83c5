// qalam train: trains a topic model (workers/classify) from labelled JSON
// Lines, and rebuilds the keyword document-frequency tables from the same
// articles.
#include <cstdio>
#include <memory>
#include <string>
#include <vector>

#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "absl/strings/str_join.h"
#include "absl/strings/str_split.h"
#include "common/cli.h"
#include "common/model_path.h"
#include "coordinator/commands.h"
#include "coordinator/labeled_input.h"
#include "workers/classify/trainer.h"
#include "workers/pipeline/annotator.h"
#include "workers/summarize/df_table.h"
#include "workers/summarize/summary_model.h"
#include "workers/text/langid.h"

namespace qalam {
namespace {

// The keyword tables of the summariser (summarize/df_table.h), rebuilt from
// the training articles: one DfTableBuilder per language, each article
// routed by the language identifier (by script when it says "und"), as
// `qalam annotate` routes articles to the summariser's models.
class KeywordTables {
 public:
  // Loads the bundled language identifier and summariser models (their
  // weights and Arabic lexicon are kept; their tables are replaced).
  absl::Status Init() {
    auto path = FindBundledModel("langid.bin");
    if (!path.ok()) return path.status();
    auto langid = text::LanguageIdentifier::Load(*path);
    if (!langid.ok()) return langid.status();
    langid_ = std::move(*langid);
    const char* files[2] = {"summarize-ar.bin", "summarize-en.bin"};
    for (int l = 0; l < summarize::kNumLanguages; ++l) {
      auto p = FindBundledModel(files[l]);
      if (!p.ok()) return p.status();
      auto m = summarize::SummaryModel::Load(*p);
      if (!m.ok()) return m.status();
      base_[l] = std::move(*m);
      builders_[l] = std::make_unique<summarize::DfTableBuilder>(&base_[l]->lexicon());
    }
    return absl::OkStatus();
  }

  void Add(absl::string_view title, absl::string_view text, const text::AnalyzedText& title_doc,
           const text::AnalyzedText& body_doc) {
    const text::LanguageResult lang = langid_->IdentifyArticle(title, text);
    const summarize::Language l = SummaryLanguage(&lang, body_doc);
    builders_[static_cast<int>(l)]->AddDocument(title_doc, body_doc);
  }

  // Writes `<model>.summarize-ar.bin` / `.summarize-en.bin` for each
  // language that had articles; returns the paths written.
  absl::StatusOr<std::vector<std::string>> Save(const std::string& model_path) {
    std::vector<std::string> written;
    const char* suffix[2] = {".summarize-ar.bin", ".summarize-en.bin"};
    for (int l = 0; l < summarize::kNumLanguages; ++l) {
      if (builders_[l]->num_docs() == 0) {
        std::remove(absl::StrCat(model_path, suffix[l]).c_str());  // stale from an earlier run
        continue;
      }
      std::unique_ptr<summarize::SummaryModel> m =
          base_[l]->WithTables(builders_[l]->BuildStemDf(), builders_[l]->BuildPhraseDf(),
                               base_[l]->lexicon().Copy());
      const std::string path = absl::StrCat(model_path, suffix[l]);
      absl::Status s = m->Save(path);
      if (!s.ok()) return s;
      written.push_back(absl::StrCat(path, " (", builders_[l]->num_docs(), " articles)"));
    }
    return written;
  }

 private:
  std::unique_ptr<text::LanguageIdentifier> langid_;
  std::unique_ptr<summarize::SummaryModel> base_[2];
  std::unique_ptr<summarize::DfTableBuilder> builders_[2];
};

absl::Status ParseWeights(const char* flag, const std::string& list, double max,
                          std::vector<double>* out) {
  out->clear();
  for (absl::string_view part : absl::StrSplit(list, ',', absl::SkipWhitespace())) {
    double v;
    if (!absl::SimpleAtod(part, &v) || !(v >= 0) || v > max) {
      return absl::InvalidArgumentError(
          absl::StrCat("--", flag, ": '", part, "' is not a number in [0, ", max, "]"));
    }
    out->push_back(v);
  }
  if (out->empty()) return absl::InvalidArgumentError(absl::StrCat("--", flag, " is empty"));
  return absl::OkStatus();
}

std::string Percent(double v) { return absl::StrFormat("%.1f", 100 * v); }

}  // namespace

int TrainCommand(int argc, char** argv) {
  std::vector<std::string> data;
  std::vector<std::string> dev_paths;
  std::string output;
  classify::LabeledFields fields;
  int64_t seed = 0;
  int64_t bits = 22;
  int64_t min_df = 2;
  int64_t min_label_docs = 2;
  double c = 1.0;
  std::string centroid_weights = "0.25,0.5,1";
  std::string neighbour_weights = "0,0.5,1";
  int64_t neighbour_max_df = 20;
  bool keyword_tables = true;
  bool quiet = false;
  std::vector<std::string> positional;
  std::string label_map_spec;
  LabelMap label_map;

  FlagSet flags(
      "qalam train --data FILE [--data FILE...] [--dev FILE] -o MODEL [FLAGS]",
      "Trains a topic model from JSON Lines articles with a text, an optional title and a\n"
      "label (.jsonl, .jsonl.gz, .jsonl.zst or - for stdin). Records without a text or a\n"
      "label, with an empty text, invalid UTF-8 or malformed JSON are reported on stderr\n"
      "with their file and line and skipped; labels with fewer than --min-label-docs\n"
      "articles are dropped. With --dev, the centroid and neighbour weights are chosen and\n"
      "the softmax temperature fitted on that file (otherwise: centroid weight 1, no\n"
      "neighbour member, temperature fitted on the training data). Training is\n"
      "deterministic for a given --seed and data order.\n"
      "\n"
      "Also rebuilds the keyword document-frequency tables of the summariser from the\n"
      "same articles (routed to Arabic or English by the language identifier) and writes\n"
      "them next to the model as MODEL.summarize-ar.bin / MODEL.summarize-en.bin;\n"
      "`qalam annotate --model MODEL` then uses them for keywords and summaries.\n"
      "Exit status: 0 on success, 1 when no model could be trained, 2 for a usage error.");
  flags.StringList("data", &data, "training data (repeatable)", "FILE");
  flags.StringList("dev", &dev_paths,
                   "development data: chooses the centroid and neighbour weights, "
                   "fits the temperature",
                   "FILE");
  flags.String("output", &output, "where to write the model", "MODEL", 'o');
  flags.String("text-field", &fields.text, "JSON field holding the article text", "NAME");
  flags.String("title-field", &fields.title, "JSON field holding the title", "NAME");
  flags.String("label-field", &fields.label, "JSON field holding the label", "NAME");
  flags.String("label-map", &label_map_spec,
               "rename labels as they are read, e.g. sports=sport,scitech=tech", "FROM=TO,...");
  flags.Int("seed", &seed, "seed of the solvers' visiting order", "N");
  flags.Int("bits", &bits, "log2 of the number of feature buckets (10-30)", "N");
  flags.Int("min-df", &min_df, "drop features seen in fewer training articles", "N");
  flags.Int("min-label-docs", &min_label_docs, "drop labels with fewer training articles", "N");
  flags.Double("c", &c, "SVM cost C of both SVM members", "X");
  flags.String("centroid-weights", &centroid_weights,
               "centroid weights to choose from on --dev (without --dev: the last)", "LIST");
  flags.String("neighbour-weights", &neighbour_weights,
               "weights of the nearest-training-article member to choose from on --dev "
               "(0: without it; without --dev it is left out)",
               "LIST");
  flags.Int("neighbour-max-df", &neighbour_max_df,
            "that member compares articles on the features found in at most N training "
            "articles",
            "N");
  flags.Bool("keyword-tables", &keyword_tables,
             "also rebuild the keyword tables (MODEL.summarize-{ar,en}.bin); --no-keyword-tables skips");
  flags.Bool("quiet", &quiet, "print only problems, not the training summary");

  absl::Status st = flags.Parse(argc, argv, 2, &positional);
  if (flags.help_requested()) {
    std::fputs(flags.Help().c_str(), stdout);
    return 0;
  }
  if (st.ok() && !positional.empty()) {
    st = absl::InvalidArgumentError(absl::StrCat("unexpected argument '", positional[0],
                                                 "' (give training files with --data)"));
  }
  if (st.ok() && data.empty()) st = absl::InvalidArgumentError("--data FILE is required");
  if (st.ok() && output.empty()) st = absl::InvalidArgumentError("-o MODEL is required");
  classify::TrainOptions options;
  if (st.ok() && (bits < classify::kMinBits || bits > classify::kMaxBits)) {
    st = absl::InvalidArgumentError(absl::StrCat("--bits must be in [", classify::kMinBits, ", ",
                                                 classify::kMaxBits, "]"));
  }
  if (st.ok() && (min_df < 1 || min_df > 1000000)) st = absl::InvalidArgumentError("--min-df must be >= 1");
  if (st.ok() && (min_label_docs < 1 || min_label_docs > 1000000)) {
    st = absl::InvalidArgumentError("--min-label-docs must be >= 1");
  }
  if (st.ok() && !(c > 0 && c < 1e6)) st = absl::InvalidArgumentError("--c must be positive");
  if (st.ok() && seed < 0) st = absl::InvalidArgumentError("--seed must be >= 0");
  if (st.ok()) {
    st = ParseWeights("centroid-weights", centroid_weights, 1e6, &options.centroid_weights);
  }
  if (st.ok()) {
    st = ParseWeights("neighbour-weights", neighbour_weights, classify::kMaxNeighbourWeight,
                      &options.neighbour_weights);
  }
  if (st.ok() && (neighbour_max_df < 1 || neighbour_max_df > 1000000000)) {
    st = absl::InvalidArgumentError("--neighbour-max-df must be in [1, 1000000000]");
  }
  options.neighbour_max_df = static_cast<uint32_t>(neighbour_max_df);
  if (st.ok()) st = label_map.Parse(label_map_spec);
  if (!st.ok()) {
    std::fprintf(stderr, "qalam train: %s\n", std::string(st.message()).c_str());
    return 2;
  }
  options.features.bits = static_cast<uint32_t>(bits);
  options.min_df = static_cast<uint32_t>(min_df);
  options.min_label_docs = static_cast<uint32_t>(min_label_docs);
  options.c = c;
  options.seed = static_cast<uint64_t>(seed);
  options.description = absl::StrCat(
      "training_data: ", absl::StrJoin(data, " "), "\n",
      dev_paths.empty() ? "" : absl::StrCat("dev_data: ", absl::StrJoin(dev_paths, " "), "\n"),
      label_map_spec.empty() ? "" : absl::StrCat("label_map: ", label_map_spec, "\n"));

  KeywordTables tables;
  if (keyword_tables) {
    absl::Status ks = tables.Init();
    if (!ks.ok()) {
      std::fprintf(stderr, "qalam train: keyword tables not rebuilt: %s\n",
                   std::string(ks.message()).c_str());
      keyword_tables = false;
    }
  }

  classify::TrainingSet train(options.features);
  LabeledReadStats train_stats;
  st = ForEachLabeledRecord(
      data, fields, "train",
      [&](const classify::LabeledRecord& r, const std::string&, uint64_t) -> absl::Status {
        absl::Status s = train.Add(r.title, r.text, r.label);
        if (s.ok() && keyword_tables) {
          tables.Add(r.title, r.text, train.last_title(), train.last_body());
        }
        return s;
      },
      &train_stats, &label_map);
  if (!st.ok()) {
    std::fprintf(stderr, "qalam train: %s\n", std::string(st.message()).c_str());
    return 1;
  }
  if (train.size() == 0) {
    std::fprintf(stderr, "qalam train: no valid training records in %s\n",
                 absl::StrJoin(data, ", ").c_str());
    return 1;
  }
  std::unique_ptr<classify::TrainingSet> dev;
  if (!dev_paths.empty()) {
    dev = std::make_unique<classify::TrainingSet>(options.features);
    LabeledReadStats dev_stats;
    st = ForEachLabeledRecord(
        dev_paths, fields, "train",
        [&](const classify::LabeledRecord& r, const std::string&, uint64_t) {
          return dev->Add(r.title, r.text, r.label);
        },
        &dev_stats, &label_map);
    if (!st.ok()) {
      std::fprintf(stderr, "qalam train: --dev: %s\n", std::string(st.message()).c_str());
      return 1;
    }
    if (dev->size() == 0) {
      std::fprintf(stderr, "qalam train: warning: no valid records in --dev %s; training without\n",
                   absl::StrJoin(dev_paths, ", ").c_str());
    }
  }
  {
    const std::vector<uint32_t> counts = train.LabelCounts();
    for (size_t l = 0; l < counts.size(); ++l) {
      if (counts[l] < options.min_label_docs) {
        std::fprintf(stderr,
                     "qalam train: warning: label '%s' has %u training article%s (fewer than "
                     "--min-label-docs %u): dropped\n",
                     train.label_names()[l].c_str(), counts[l], counts[l] == 1 ? "" : "s",
                     options.min_label_docs);
      }
    }
  }
  classify::TrainReport report;
  auto model = classify::TrainTopicModel(train, dev.get(), options, &report);
  if (!model.ok()) {
    std::fprintf(stderr, "qalam train: %s\n", std::string(model.status().message()).c_str());
    return 1;
  }
  st = (*model)->Save(output);
  if (!st.ok()) {
    std::fprintf(stderr, "qalam train: %s\n", std::string(st.message()).c_str());
    return 1;
  }
  std::vector<std::string> table_files;
  if (keyword_tables) {
    auto written = tables.Save(output);
    if (!written.ok()) {
      std::fprintf(stderr, "qalam train: keyword tables: %s\n",
                   std::string(written.status().message()).c_str());
      return 1;
    }
    table_files = *written;
  }
  if (!quiet) {
    std::string msg = absl::StrCat(
        "qalam train: ", output, ": ", report.labels.size(), " labels (",
        absl::StrJoin(report.labels, ", "), "), ", report.documents, " articles",
        train_stats.skipped > 0 ? absl::StrCat(", ", train_stats.skipped, " records skipped") : "",
        report.skipped_documents > 0
            ? absl::StrCat(", ", report.skipped_documents, " articles of dropped labels left out")
            : "",
        "\n  features: ", report.buckets_kept, " of ", report.buckets_seen,
        " buckets in >= ", options.min_df, " articles; centroid weight ", report.centroid_weight,
        "; temperature ", absl::StrFormat("%.3f", report.temperature), " (fitted on the ",
        report.temperature_fitted_on, ")\n",
        report.neighbour_summary.empty()
            ? std::string()
            : absl::StrCat("  ", report.neighbour_summary, "\n"),
        absl::StrFormat("  time: %.2f s of training (vectors %.2f, Crammer-Singer %.2f in %d "
                        "passes%s, NB-SVM %.2f, centroids %.2f, neighbours %.2f, "
                        "temperature model %.2f)\n",
                        report.seconds_total, report.seconds_vectors, report.seconds_cs,
                        report.cs_iterations, report.cs_converged ? "" : ", not converged",
                        report.seconds_nb, report.seconds_centroids, report.seconds_neighbours,
                        report.seconds_calibration));
    for (const auto& cand : report.candidates) {
      const bool chosen = cand.centroid_weight == report.centroid_weight &&
                          cand.neighbour_weight == report.neighbour_weight;
      absl::StrAppend(&msg, "  dev with centroid weight ", cand.centroid_weight,
                      ", neighbour weight ", cand.neighbour_weight, ": accuracy ",
                      Percent(cand.dev.accuracy), ", macro-F1 ", Percent(cand.dev.macro_f1),
                      chosen ? "  (chosen)" : "", "\n");
    }
    for (const std::string& f : table_files) absl::StrAppend(&msg, "  keyword tables: ", f, "\n");
    std::fputs(msg.c_str(), stderr);
  }
  return 0;
}

}  // namespace qalam
