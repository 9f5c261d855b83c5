// qalam-summarize-train: builds the summariser's model files from the
// project's corpora, and scores models on a split. See models/README.md.
//
//   qalam-summarize-train --data /work/shared/data --out models
//   qalam-summarize-train --data /work/shared/data --out models --eval-only --eval-split dev
#include <cstdio>
#include <iostream>
#include <string>
#include <vector>

#include "absl/strings/str_format.h"
#include "absl/strings/str_split.h"
#include "common/cli.h"
#include "workers/summarize/summarizer.h"
#include "workers/summarize/train/trainer.h"

namespace {

using qalam::summarize::Language;

std::string Fmt(const qalam::summarize::RougeScores& s) {
  return absl::StrFormat("%.2f/%.2f/%.2f", 100 * s.rouge1, 100 * s.rouge2, 100 * s.rougeL);
}

int Fail(const absl::Status& s) {
  std::fprintf(stderr, "qalam-summarize-train: %s\n", std::string(s.message()).c_str());
  return 1;
}

}  // namespace

int main(int argc, char** argv) {
  std::string data_dir;
  std::string out_dir = "models";
  std::string langs = "ar,en";
  std::string eval_split;
  bool eval_only = false;
  int64_t min_phrase_df = 2, min_word_df = 1, min_lexicon = 3, min_stem_df = 1, seed = 0;
  int64_t max_pairs = 20, headline_words = 8, max_sentence_words = 120;
  double c = 0.1, dup_cos = 0.8;
  bool junk = true;
  int64_t cv_folds = 0;
  qalam::FlagSet flags(
      "qalam-summarize-train --data DIR [--out DIR] [FLAGS]",
      "Builds models/summarize-ar.bin and models/summarize-en.bin from the train splits\n"
      "under DIR (DIR/<task>/train.jsonl): clitic lexicon, document-frequency tables,\n"
      "oracle labels (C++ ROUGE) and the pairwise sentence ranker. Deterministic.\n"
      "With --eval-split, also scores the models (C++ ROUGE, mean F1 x 100).");
  flags.String("data", &data_dir, "folder with <task>/train.jsonl and <task>/dev.jsonl", "DIR");
  flags.String("out", &out_dir, "where the model files are written (and read by --eval-only)",
               "DIR", 'o');
  flags.String("lang", &langs, "languages to build, comma-separated: ar, en", "LIST");
  flags.String("eval-split", &eval_split, "after building, score the models on this split",
               "SPLIT");
  flags.Bool("eval-only", &eval_only, "do not build; score the models in --out");
  flags.Int("min-phrase-df", &min_phrase_df, "keep 2-4-word phrases seen in this many documents");
  flags.Int("min-word-df", &min_word_df, "keep keyword words seen in this many documents");
  flags.Int("min-stem-df", &min_stem_df, "keep content stems seen in this many documents");
  flags.Int("min-lexicon-count", &min_lexicon, "keep Arabic words seen this many times");
  flags.Double("c", &c, "inverse L2 regularisation of the ranker");
  flags.Int("seed", &seed, "seed of the pair sampling");
  flags.Int("max-pairs", &max_pairs, "pairs per oracle sentence");
  flags.Int("cv", &cv_folds, "also cross-validate the ranker on train with this many folds");
  flags.Double("dup-cos", &dup_cos, "evaluation: near-duplicate cosine");
  flags.Bool("junk", &junk, "evaluation: keep junk lines back (boilerplate, captions, ...)");
  flags.Int("headline-words", &headline_words,
            "evaluation: lines without final punctuation and fewer words are junk");
  flags.Int("max-sentence-words", &max_sentence_words, "evaluation: cut longer sentences");
  std::vector<std::string> rest;
  absl::Status st = flags.Parse(argc, argv, 1, &rest);
  if (flags.help_requested()) {
    std::fputs(flags.Help().c_str(), stdout);
    return 0;
  }
  if (!st.ok()) return Fail(st);
  if (data_dir.empty()) return Fail(absl::InvalidArgumentError("--data is required"));
  std::vector<Language> todo;
  for (absl::string_view code : absl::StrSplit(langs, ',', absl::SkipEmpty())) {
    Language l;
    if (!qalam::summarize::ParseLanguage(code, &l)) {
      return Fail(absl::InvalidArgumentError("--lang takes ar and/or en"));
    }
    todo.push_back(l);
  }
  if (!eval_only) {
    qalam::summarize::TrainOptions options;
    options.data_dir = data_dir;
    options.min_phrase_df = static_cast<uint32_t>(min_phrase_df);
    options.min_word_df = static_cast<uint32_t>(min_word_df);
    options.min_stem_df = static_cast<uint32_t>(min_stem_df);
    options.min_lexicon_count = static_cast<uint32_t>(min_lexicon);
    options.ranker.c = c;
    options.ranker.seed = static_cast<uint64_t>(seed);
    options.ranker.max_pairs_per_positive = static_cast<int>(max_pairs);
    options.cv_folds = static_cast<int>(cv_folds);
    options.log = &std::cerr;
    for (Language l : todo) {
      std::cerr << "== " << qalam::summarize::LanguageCode(l) << "\n";
      auto model = qalam::summarize::TrainModel(l, options);
      if (!model.ok()) return Fail(model.status());
      const std::string path =
          out_dir + "/summarize-" + std::string(qalam::summarize::LanguageCode(l)) + ".bin";
      st = (*model)->Save(path);
      if (!st.ok()) return Fail(st);
      std::cerr << "wrote " << path << "\n";
      std::cout << "weights " << qalam::summarize::LanguageCode(l) << ":";
      for (double w : (*model)->weights()) std::cout << absl::StrFormat(" %+.4f", w);
      std::cout << "\n";
    }
  }
  if (!eval_split.empty()) {
    auto summarizer = qalam::summarize::Summarizer::LoadFromDir(out_dir);
    if (!summarizer.ok()) return Fail(summarizer.status());
    qalam::summarize::SummaryOptions options;
    options.duplicate_cosine = dup_cos;
    options.max_sentence_words = static_cast<int>(max_sentence_words);
    options.junk.headline_words = static_cast<int>(headline_words);
    if (!junk) options.junk = qalam::summarize::JunkRules{false, false, 0, false};
    for (Language l : todo) {
      for (const auto& set : qalam::summarize::RecipeFor(l).summary_sets) {
        auto r = qalam::summarize::EvaluateSet(**summarizer, l, set, data_dir, eval_split, options);
        if (!r.ok()) return Fail(r.status());
        std::cout << absl::StrFormat("%-9s %s n=%-5d K=%d summary_text %s  summary %s  lead %s\n",
                                     r->task, eval_split, r->articles, set.k, Fmt(r->summary_text),
                                     Fmt(r->summary), Fmt(r->lead));
      }
    }
  }
  return 0;
}
