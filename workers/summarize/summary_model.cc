#include "workers/summarize/summary_model.h"

#include <cmath>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_split.h"
#include "absl/strings/strip.h"
#include "common/status_macros.h"
#include "workers/summarize/features.h"
#include "workers/summarize/model_file.h"

namespace qalam {
namespace summarize {

absl::StatusOr<std::unique_ptr<SummaryModel>> SummaryModel::Create(Parts parts) {
  if (parts.weights.size() != static_cast<size_t>(kNumFeatures)) {
    return absl::InvalidArgumentError(absl::StrCat("a summary model needs ", kNumFeatures,
                                                   " weights, got ", parts.weights.size()));
  }
  for (double w : parts.weights) {
    if (!std::isfinite(w)) return absl::InvalidArgumentError("summary model weight is not finite");
  }
  return std::unique_ptr<SummaryModel>(new SummaryModel(std::move(parts)));
}

namespace {

ModelFileWriter MakeWriter(const SummaryModel& m) {
  ModelFileWriter w{std::string(kSummaryModelKind)};
  std::string meta = absl::StrCat("language: ", LanguageCode(m.language()),
                                  "\nfeatures: ", FeatureSetSignature(), "\n");
  for (absl::string_view line : absl::StrSplit(m.description(), '\n')) {
    absl::StrAppend(&meta, "# ", line, "\n");
  }
  w.AddSection("meta", std::move(meta));
  std::string weights;
  PutU32(&weights, static_cast<uint32_t>(m.weights().size()));
  for (double v : m.weights()) PutF64(&weights, v);
  w.AddSection("weights", std::move(weights));
  w.AddSection("stem_df", m.stem_df().Serialize());
  w.AddSection("phrase_df", m.phrase_df().Serialize());
  w.AddSection("lexicon", m.lexicon().Serialize());
  return w;
}

absl::StatusOr<std::unique_ptr<SummaryModel>> FromFile(const ModelFileReader& file) {
  SummaryModel::Parts parts;
  const std::string& what = file.what();
  QALAM_ASSIGN_OR_RETURN(absl::string_view meta, file.Section("meta"));
  bool have_language = false, have_features = false;
  for (absl::string_view line : absl::StrSplit(meta, '\n')) {
    if (absl::ConsumePrefix(&line, "language: ")) {
      if (!ParseLanguage(line, &parts.language)) {
        return absl::InvalidArgumentError(absl::StrCat(what, ": unknown language '", line, "'"));
      }
      have_language = true;
    } else if (absl::ConsumePrefix(&line, "features: ")) {
      if (line != FeatureSetSignature()) {
        return absl::FailedPreconditionError(
            absl::StrCat(what,
                         ": the model was trained for other sentence features than this build "
                         "computes; rebuild it (see models/README.md)"));
      }
      have_features = true;
    } else if (absl::ConsumePrefix(&line, "# ")) {
      if (!parts.description.empty()) parts.description.push_back('\n');
      parts.description.append(line.data(), line.size());
    }
  }
  if (!have_language || !have_features) {
    return absl::DataLossError(
        absl::StrCat(what, ": the meta section lacks the language or the feature list"));
  }
  QALAM_ASSIGN_OR_RETURN(absl::string_view wsec, file.Section("weights"));
  SectionReader r(wsec, absl::StrCat(what, ": section 'weights'"));
  uint32_t count = 0;
  QALAM_RETURN_IF_ERROR(r.U32(&count));
  if (count != static_cast<uint32_t>(kNumFeatures)) {
    return absl::FailedPreconditionError(
        absl::StrCat(what, ": has ", count, " weights, this build uses ", kNumFeatures));
  }
  parts.weights.resize(count);
  for (double& v : parts.weights) QALAM_RETURN_IF_ERROR(r.F64(&v));
  QALAM_RETURN_IF_ERROR(r.ExpectEnd());
  const std::pair<const char*, DfTable*> tables[] = {
      {"stem_df", &parts.stem_df}, {"phrase_df", &parts.phrase_df}, {"lexicon", &parts.lexicon}};
  for (const auto& [name, table] : tables) {
    QALAM_ASSIGN_OR_RETURN(absl::string_view sec, file.Section(name));
    QALAM_ASSIGN_OR_RETURN(*table,
                           DfTable::Parse(sec, absl::StrCat(what, ": section '", name, "'")));
  }
  return SummaryModel::Create(std::move(parts));
}

}  // namespace

std::string SummaryModel::Serialize() const { return MakeWriter(*this).Serialize(); }

absl::Status SummaryModel::Save(const std::string& path) const {
  return MakeWriter(*this).WriteToFile(path);
}

std::unique_ptr<SummaryModel> SummaryModel::WithTables(DfTable stem_df, DfTable phrase_df,
                                                       DfTable lexicon) const {
  Parts p;
  p.language = parts_.language;
  p.weights = parts_.weights;
  p.stem_df = std::move(stem_df);
  p.phrase_df = std::move(phrase_df);
  p.lexicon = std::move(lexicon);
  p.description = parts_.description;
  return std::unique_ptr<SummaryModel>(new SummaryModel(std::move(p)));
}

absl::StatusOr<std::unique_ptr<SummaryModel>> SummaryModel::Load(const std::string& path) {
  QALAM_ASSIGN_OR_RETURN(ModelFileReader file, ModelFileReader::ReadFile(path, kSummaryModelKind));
  return FromFile(file);
}

absl::StatusOr<std::unique_ptr<SummaryModel>> SummaryModel::Parse(std::string bytes,
                                                                  absl::string_view what) {
  QALAM_ASSIGN_OR_RETURN(ModelFileReader file,
                         ModelFileReader::Parse(std::move(bytes), what, kSummaryModelKind));
  return FromFile(file);
}

}  // namespace summarize
}  // namespace qalam
