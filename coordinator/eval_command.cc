// qalam eval: scores a topic model on labelled JSON Lines.
#include <algorithm>
#include <chrono>
#include <cstdio>
#include <memory>
#include <string>
#include <vector>

#include "absl/container/flat_hash_map.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "common/cli.h"
#include "common/json_writer.h"
#include "coordinator/commands.h"
#include "coordinator/labeled_input.h"
#include "workers/classify/metrics.h"
#include "workers/classify/topic_model.h"
#include "workers/text/analyzer.h"

namespace qalam {

int EvalCommand(int argc, char** argv) {
  std::string model_path;
  std::vector<std::string> data;
  classify::LabeledFields fields;
  std::vector<std::string> positional;
  std::string label_map_spec;
  LabelMap label_map;
  std::string predictions_path;
  bool table = true;

  FlagSet flags(
      "qalam eval --model MODEL --data FILE [--data FILE...] [FLAGS]",
      "Scores a topic model on JSON Lines articles with a text, an optional title and a\n"
      "label, and prints one JSON object on stdout: n, accuracy, macro_f1 (the unweighted\n"
      "mean of the per-label F1 over every label in the gold labels or the predictions),\n"
      "docs_per_s and seconds (one thread, text analysis and classification of each\n"
      "article; reading and JSON parsing not included), skipped, and labels: precision,\n"
      "recall, f1 and support per label. Bad records are reported on stderr with their file\n"
      "and line and skipped. Articles whose label the model does not know count as errors.");
  flags.String("model", &model_path, "the topic model (from qalam train)", "MODEL");
  flags.StringList("data", &data, "labelled data (repeatable; also positional)", "FILE");
  flags.String("text-field", &fields.text, "JSON field holding the article text", "NAME");
  flags.String("title-field", &fields.title, "JSON field holding the title", "NAME");
  flags.String("label-field", &fields.label, "JSON field holding the label", "NAME");
  flags.String("label-map", &label_map_spec,
               "rename labels as they are read, e.g. sports=sport,scitech=tech", "FROM=TO,...");
  flags.Bool("table", &table,
             "also print a per-label table for people on stderr; --no-table skips it");
  flags.String("predictions", &predictions_path,
               "also write one JSON line per scored article: file, line, label, predicted, "
               "confidence and the decision value of every model label",
               "FILE");
  absl::Status st = flags.Parse(argc, argv, 2, &positional);
  if (flags.help_requested()) {
    std::fputs(flags.Help().c_str(), stdout);
    return 0;
  }
  data.insert(data.end(), positional.begin(), positional.end());
  if (st.ok()) st = label_map.Parse(label_map_spec);
  if (st.ok() && model_path.empty()) st = absl::InvalidArgumentError("--model MODEL is required");
  if (st.ok() && data.empty()) st = absl::InvalidArgumentError("--data FILE is required");
  if (!st.ok()) {
    std::fprintf(stderr, "qalam eval: %s\n", std::string(st.message()).c_str());
    return 2;
  }
  auto model_or = classify::TopicModel::Load(model_path);
  if (!model_or.ok()) {
    std::fprintf(stderr, "qalam eval: %s\n", std::string(model_or.status().message()).c_str());
    return 1;
  }
  const classify::TopicModel& model = **model_or;
  FILE* predictions = nullptr;
  if (!predictions_path.empty()) {
    predictions = std::fopen(predictions_path.c_str(), "w");
    if (predictions == nullptr) {
      std::fprintf(stderr, "qalam eval: cannot write '%s'\n", predictions_path.c_str());
      return 1;
    }
  }
  std::string line_buf;

  std::vector<std::string> names = model.labels();
  absl::flat_hash_map<std::string, uint32_t> ids;
  for (uint32_t i = 0; i < names.size(); ++i) ids[names[i]] = i;
  std::vector<uint32_t> gold, pred;
  text::Analyzer analyzer;
  text::AnalyzedText title_doc, body_doc;
  classify::ClassifyScratch scratch;
  std::chrono::steady_clock::duration busy{};
  LabeledReadStats stats;
  st = ForEachLabeledRecord(
      data, fields, "eval",
      [&](const classify::LabeledRecord& r, const std::string& file,
          uint64_t line) -> absl::Status {
        const auto t0 = std::chrono::steady_clock::now();
        absl::Status s = analyzer.Analyze(r.title, &title_doc);
        if (s.ok()) s = analyzer.Analyze(r.text, &body_doc);
        if (!s.ok()) return s;
        model.DecisionValues(title_doc, body_doc, &scratch);
        const uint32_t p = classify::TopicModel::ArgMax(scratch.scores);
        busy += std::chrono::steady_clock::now() - t0;
        auto [it, inserted] =
            ids.try_emplace(std::string(r.label), static_cast<uint32_t>(names.size()));
        if (inserted) names.emplace_back(r.label);
        gold.push_back(it->second);
        pred.push_back(p);
        if (predictions != nullptr) {
          classify::Softmax(scratch.scores, model.temperature(), &scratch.probs);
          line_buf.assign("{\"file\":");
          AppendJsonString(&line_buf, file);
          line_buf.append(",\"line\":");
          AppendJsonUint(&line_buf, line);
          line_buf.append(",\"label\":");
          AppendJsonString(&line_buf, r.label);
          line_buf.append(",\"predicted\":");
          AppendJsonString(&line_buf, model.label(p));
          line_buf.append(",\"confidence\":");
          AppendJsonDouble(&line_buf, scratch.probs[p], 6);
          line_buf.append(",\"scores\":[");
          for (size_t k = 0; k < scratch.scores.size(); ++k) {
            if (k > 0) line_buf.push_back(',');
            AppendJsonDouble(&line_buf, scratch.scores[k], 6);
          }
          line_buf.append("]}\n");
          std::fputs(line_buf.c_str(), predictions);
        }
        return absl::OkStatus();
      },
      &stats, &label_map);
  if (predictions != nullptr && std::fclose(predictions) != 0) {
    std::fprintf(stderr, "qalam eval: write error on '%s'\n", predictions_path.c_str());
    return 1;
  }
  if (!st.ok()) {
    std::fprintf(stderr, "qalam eval: %s\n", std::string(st.message()).c_str());
    return 1;
  }
  if (gold.empty()) {
    std::fprintf(stderr, "qalam eval: no valid records\n");
    return 1;
  }
  const classify::ClassificationMetrics m = classify::ComputeMetrics(gold, pred, names);
  const double seconds = std::chrono::duration<double>(busy).count();
  std::string out = "{\"model\":";
  AppendJsonString(&out, model_path);
  out.append(",\"n\":");
  AppendJsonUint(&out, m.n);
  out.append(",\"correct\":");
  AppendJsonUint(&out, m.correct);
  out.append(",\"accuracy\":");
  AppendJsonDouble(&out, m.accuracy, 6);
  out.append(",\"macro_f1\":");
  AppendJsonDouble(&out, m.macro_f1, 6);
  out.append(",\"docs_per_s\":");
  AppendJsonDouble(&out, seconds > 0 ? static_cast<double>(m.n) / seconds : 0.0, 1);
  out.append(",\"seconds\":");
  AppendJsonDouble(&out, seconds, 6);
  out.append(",\"skipped\":");
  AppendJsonUint(&out, stats.skipped);
  out.append(",\"labels\":[");
  for (size_t i = 0; i < m.labels.size(); ++i) {
    const classify::LabelMetrics& l = m.labels[i];
    if (i > 0) out.push_back(',');
    out.append("{\"label\":");
    AppendJsonString(&out, l.name);
    out.append(",\"precision\":");
    AppendJsonDouble(&out, l.precision, 6);
    out.append(",\"recall\":");
    AppendJsonDouble(&out, l.recall, 6);
    out.append(",\"f1\":");
    AppendJsonDouble(&out, l.f1, 6);
    out.append(",\"support\":");
    AppendJsonUint(&out, l.support);
    out.append(",\"predicted\":");
    AppendJsonUint(&out, l.predicted);
    out.push_back('}');
  }
  out.append("]}\n");
  std::fputs(out.c_str(), stdout);
  if (table) {
    // The same figures for a person reading a terminal; stdout stays one
    // JSON object for scripts.
    size_t width = 5;
    for (const classify::LabelMetrics& l : m.labels) width = std::max(width, l.name.size());
    std::string t = absl::StrFormat("%-*s %9s %7s %7s %8s %9s\n", static_cast<int>(width),
                                    "label", "precision", "recall", "f1", "support", "predicted");
    for (const classify::LabelMetrics& l : m.labels) {
      absl::StrAppendFormat(&t, "%-*s %9.1f %7.1f %7.1f %8u %9u\n", static_cast<int>(width),
                            l.name, 100 * l.precision, 100 * l.recall, 100 * l.f1,
                            static_cast<unsigned>(l.support), static_cast<unsigned>(l.predicted));
    }
    absl::StrAppendFormat(&t, "n %u, accuracy %.1f%%, macro-F1 %.1f%%, %.0f docs/s (one thread)\n",
                          static_cast<unsigned>(m.n), 100 * m.accuracy, 100 * m.macro_f1,
                          seconds > 0 ? static_cast<double>(m.n) / seconds : 0.0);
    std::fputs(t.c_str(), stderr);
  }
  return 0;
}

}  // namespace qalam
