// qalam-langid-build: builds models/langid.bin from the news train splits and
// the project's word lists (see models/README.md for the exact command).
//
//   qalam-langid-build --lists models/langid/lists
//       --en ../shared/data/en-bbc/train.jsonl --en ...
//       --ar ../shared/data/ar-ant/train.jsonl --ar ...
//       -o models/langid.bin
#include <cstdio>
#include <fstream>
#include <string>
#include <vector>

#include "absl/status/status.h"
#include "absl/strings/str_cat.h"
#include "common/cli.h"
#include "common/status_macros.h"
#include "tools/langid/langid_builder.h"
#include "workers/text/langid_model.h"

namespace qalam {
namespace {

struct Options {
  std::string lists = "models/langid/lists";
  std::vector<std::string> en;
  std::vector<std::string> ar;
  std::string out = "models/langid.bin";
};

// Dev splits and the langid evaluation set are for measuring only.
absl::Status CheckTrainingFile(const std::string& path) {
  const size_t slash = path.rfind('/');
  const std::string base = slash == std::string::npos ? path : path.substr(slash + 1);
  const std::string dir = slash == std::string::npos ? "" : path.substr(0, slash);
  const bool in_langid_folder =
      dir == "langid" || (dir.size() > 7 && dir.compare(dir.size() - 7, 7, "/langid") == 0);
  if (base == "dev.jsonl" || in_langid_folder) {
    return absl::InvalidArgumentError(
        absl::StrCat(path, " is an evaluation file; build from the train splits only"));
  }
  return absl::OkStatus();
}

absl::Status Run(const Options& o) {
  if (o.en.empty() || o.ar.empty()) {
    return absl::InvalidArgumentError("give at least one --en and one --ar news file");
  }
  for (const auto* files : {&o.en, &o.ar}) {
    for (const std::string& f : *files) QALAM_RETURN_IF_ERROR(CheckTrainingFile(f));
  }
  langid_build::ModelBuilder builder;
  QALAM_RETURN_IF_ERROR(langid_build::AddListDir(o.lists, &builder));
  for (const std::string& f : o.en) {
    QALAM_RETURN_IF_ERROR(langid_build::AddNewsFile(f, langid_build::Target::kEnglish, &builder));
  }
  for (const std::string& f : o.ar) {
    QALAM_RETURN_IF_ERROR(langid_build::AddNewsFile(f, langid_build::Target::kArabic, &builder));
  }
  QALAM_ASSIGN_OR_RETURN(text::langid::Model model, builder.Build());
  const std::string bytes = text::langid::SerializeModel(model);
  // Check what we are about to write (catches a builder/format mismatch).
  QALAM_RETURN_IF_ERROR(text::langid::ParseModel(bytes).status());
  const std::string tmp = o.out + ".tmp";
  {
    std::ofstream out(tmp, std::ios::binary | std::ios::trunc);
    out.write(bytes.data(), static_cast<std::streamsize>(bytes.size()));
    out.close();
    if (!out) return absl::InternalError(absl::StrCat("cannot write ", tmp));
  }
  if (std::rename(tmp.c_str(), o.out.c_str()) != 0) {
    return absl::InternalError(absl::StrCat("cannot rename ", tmp, " to ", o.out));
  }
  const langid_build::BuildStats& s = builder.stats();
  std::fprintf(
      stderr, "en: %llu articles, %llu n-grams; ar: %llu articles, %llu n-grams\n",
      static_cast<unsigned long long>(s.en_articles), static_cast<unsigned long long>(s.en_ngrams),
      static_cast<unsigned long long>(s.ar_articles), static_cast<unsigned long long>(s.ar_ngrams));
  for (const auto& [lang, n] : s.list_words) {
    std::fprintf(stderr, "%s: %llu listed words, %llu sentence words\n", lang.c_str(),
                 static_cast<unsigned long long>(n),
                 static_cast<unsigned long long>(s.sentence_words.at(lang)));
  }
  std::fprintf(stderr, "wrote %s (%zu bytes, %zu char-table pages)\n", o.out.c_str(), bytes.size(),
               model.pages.size() / 256);
  return absl::OkStatus();
}

}  // namespace
}  // namespace qalam

int main(int argc, char** argv) {
  qalam::Options o;
  qalam::FlagSet flags(
      "qalam-langid-build --lists DIR --en FILE... --ar FILE... [-o FILE]",
      "Builds the language identifier's model from the English and Arabic news train "
      "splits (JSON Lines; title + text of every article) and the project's word lists. "
      "Never give it langid/dev.jsonl: that file is for measuring only.");
  flags.String("lists", &o.lists, "folder of <lang>.txt and <lang>.sent.txt lists", "DIR");
  flags.StringList("en", &o.en, "English news train split (JSONL)", "FILE");
  flags.StringList("ar", &o.ar, "Arabic news train split (JSONL)", "FILE");
  flags.String("out", &o.out, "model file to write", "FILE", 'o');
  std::vector<std::string> positional;
  absl::Status st = flags.Parse(argc, argv, 1, &positional);
  if (st.ok() && flags.help_requested()) {
    std::fputs(flags.Help().c_str(), stdout);
    return 0;
  }
  if (st.ok() && !positional.empty()) {
    st = absl::InvalidArgumentError(absl::StrCat("unexpected argument ", positional[0]));
  }
  if (st.ok()) st = qalam::Run(o);
  if (!st.ok()) {
    std::fprintf(stderr, "qalam-langid-build: %s\n", st.ToString().c_str());
    return 1;
  }
  return 0;
}
