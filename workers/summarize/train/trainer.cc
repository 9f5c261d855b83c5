#include "workers/summarize/train/trainer.h"

#include <simdjson.h>

#include <algorithm>
#include <chrono>
#include <fstream>
#include <ostream>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "absl/strings/str_join.h"
#include "common/status_macros.h"
#include "workers/summarize/df_table.h"
#include "workers/summarize/features.h"
#include "workers/text/analyzer.h"

namespace qalam {
namespace summarize {
namespace {

std::string Path(const std::string& dir, const std::string& task, const std::string& split) {
  return absl::StrCat(dir, "/", task, "/", split, ".jsonl");
}

double Seconds(std::chrono::steady_clock::time_point since) {
  return std::chrono::duration<double>(std::chrono::steady_clock::now() - since).count();
}

// The reference of a row of `set`, or false when the row has none.
bool Reference(const SummarySet& set, const CorpusRecord& r, std::string* ref) {
  if (set.sentences_ref) {
    if (r.summary_sentences.empty()) return false;
    *ref = absl::StrJoin(r.summary_sentences, " ");
    return true;
  }
  if (!r.has_summary) return false;
  *ref = r.summary;
  return true;
}

void Add(RougeScores* sum, const RougeScores& s) {
  sum->rouge1 += s.rouge1;
  sum->rouge2 += s.rouge2;
  sum->rougeL += s.rougeL;
}

void Divide(RougeScores* s, size_t n) {
  const double d = n > 0 ? static_cast<double>(n) : 1.0;
  s->rouge1 /= d;
  s->rouge2 /= d;
  s->rougeL /= d;
}

// What cross-validation needs of a train article.
struct CvDoc {
  size_t set;
  int k;
  uint32_t fold;
  std::vector<uint64_t> ref;
  std::vector<std::vector<uint64_t>> sents;  // ROUGE tokens per sentence
  std::vector<uint64_t> first_stripped;      // sentence 0 less its dateline
  std::vector<uint8_t> junk;
};

// Summary::text-style tokens of the chosen sentences.
std::vector<uint64_t> SummaryTokens(const CvDoc& d, const std::vector<uint32_t>& idx) {
  std::vector<uint64_t> out;
  for (uint32_t i : idx) {
    const auto& t = i == 0 ? d.first_stripped : d.sents[i];
    out.insert(out.end(), t.begin(), t.end());
  }
  return out;
}

void CrossValidate(const std::vector<RankingDoc>& docs, const std::vector<CvDoc>& cv,
                   const std::vector<SummarySet>& sets, const TrainOptions& options) {
  const int folds = options.cv_folds;
  std::vector<RougeScores> ours(sets.size()), lead(sets.size());
  std::vector<size_t> count(sets.size(), 0);
  for (int f = 0; f < folds; ++f) {
    std::vector<RankingDoc> train;
    for (size_t i = 0; i < docs.size(); ++i) {
      if (cv[i].fold != static_cast<uint32_t>(f)) train.push_back(docs[i]);
    }
    auto w = FitPairwiseRanker(train, kNumFeatures, options.ranker);
    if (!w.ok()) {
      *options.log << "cv: " << w.status() << "\n";
      return;
    }
    for (size_t i = 0; i < docs.size(); ++i) {
      const CvDoc& d = cv[i];
      if (d.fold != static_cast<uint32_t>(f)) continue;
      const uint32_t n = docs[i].n;
      std::vector<double> score(n, 0.0);
      for (uint32_t s = 0; s < n; ++s) {
        for (int j = 0; j < kNumFeatures; ++j)
          score[s] += (*w)[j] * docs[i].x[s * kNumFeatures + j];
      }
      std::vector<uint32_t> order(n);
      for (uint32_t s = 0; s < n; ++s) order[s] = s;
      std::sort(order.begin(), order.end(), [&score](uint32_t a, uint32_t b) {
        return score[a] != score[b] ? score[a] > score[b] : a < b;
      });
      std::vector<uint32_t> chosen, lead_idx;
      for (int pass = 0; pass < 2; ++pass) {
        for (uint32_t s : order) {
          if (static_cast<int>(chosen.size()) == d.k) break;
          if (std::find(chosen.begin(), chosen.end(), s) != chosen.end()) continue;
          if (pass == 0 && d.junk[s]) continue;
          chosen.push_back(s);
        }
      }
      std::sort(chosen.begin(), chosen.end());
      for (uint32_t s = 0; s < n && static_cast<int>(s) < d.k; ++s) lead_idx.push_back(s);
      Add(&ours[d.set], Rouge(d.ref, SummaryTokens(d, chosen)));
      Add(&lead[d.set], Rouge(d.ref, SummaryTokens(d, lead_idx)));
      ++count[d.set];
    }
  }
  for (size_t s = 0; s < sets.size(); ++s) {
    Divide(&ours[s], count[s]);
    Divide(&lead[s], count[s]);
    *options.log << absl::StrFormat(
        "cv %d-fold %-9s n=%-5d ours %.2f/%.2f/%.2f  Lead-%d %.2f/%.2f/%.2f (both with the "
        "dateline strip)\n",
        folds, sets[s].task, count[s], 100 * ours[s].rouge1, 100 * ours[s].rouge2,
        100 * ours[s].rougeL, sets[s].k, 100 * lead[s].rouge1, 100 * lead[s].rouge2,
        100 * lead[s].rougeL);
  }
}

}  // namespace

absl::Status ForEachRecord(const std::string& path,
                           const std::function<void(const CorpusRecord&)>& fn) {
  std::ifstream in(path);
  if (!in) return absl::NotFoundError(absl::StrCat("cannot open '", path, "'"));
  simdjson::dom::parser parser;
  std::string line;
  CorpusRecord r;
  for (size_t line_no = 1; std::getline(in, line); ++line_no) {
    if (line.find_first_not_of(" \t\r") == std::string::npos) continue;
    simdjson::dom::element doc;
    if (parser.parse(line).get(doc) != simdjson::SUCCESS) {
      return absl::InvalidArgumentError(absl::StrCat(path, ":", line_no, ": malformed JSON"));
    }
    r = CorpusRecord();
    std::string_view sv;
    if (doc["id"].get_string().get(sv) == simdjson::SUCCESS) r.id = std::string(sv);
    if (doc["title"].get_string().get(sv) == simdjson::SUCCESS) r.title = std::string(sv);
    if (doc["text"].get_string().get(sv) != simdjson::SUCCESS) {
      return absl::InvalidArgumentError(absl::StrCat(path, ":", line_no, ": no text"));
    }
    r.text = std::string(sv);
    if (doc["summary"].get_string().get(sv) == simdjson::SUCCESS) {
      r.has_summary = true;
      r.summary = std::string(sv);
    }
    simdjson::dom::array arr;
    if (doc["summary_sentences"].get_array().get(arr) == simdjson::SUCCESS) {
      for (simdjson::dom::element e : arr) {
        if (e.get_string().get(sv) == simdjson::SUCCESS) r.summary_sentences.emplace_back(sv);
      }
    }
    fn(r);
  }
  return absl::OkStatus();
}

LanguageRecipe RecipeFor(Language lang) {
  if (lang == Language::kArabic) {
    return LanguageRecipe{lang, {"ar-multi", "ar-ant"}, {{"ar-multi", 1, false}}};
  }
  return LanguageRecipe{
      lang, {"en-cnn", "en-bbc", "en-ag"}, {{"en-cnn", 3, true}, {"en-bbc", 5, false}}};
}

absl::StatusOr<std::unique_ptr<SummaryModel>> TrainModel(Language lang,
                                                         const TrainOptions& options) {
  const LanguageRecipe recipe = RecipeFor(lang);
  std::ostream* log = options.log;
  const auto start = std::chrono::steady_clock::now();
  text::Analyzer analyzer;
  text::AnalyzedText title_doc, body_doc;
  absl::Status st;

  // 1. The clitic lexicon (Arabic words of the train splits).
  DfTable lexicon;
  if (lang == Language::kArabic) {
    LexiconBuilder lb;
    for (const std::string& task : recipe.table_tasks) {
      QALAM_RETURN_IF_ERROR(
          ForEachRecord(Path(options.data_dir, task, "train"), [&](const CorpusRecord& r) {
            if (analyzer.Analyze(r.title, &title_doc).ok()) lb.AddText(title_doc);
            if (analyzer.Analyze(r.text, &body_doc).ok()) lb.AddText(body_doc);
          }));
    }
    lexicon = lb.Build(options.min_lexicon_count);
    if (log) *log << "lexicon: " << lexicon.size() << " words  (" << Seconds(start) << " s)\n";
  }

  // 2. The document-frequency tables.
  DfTableBuilder builder(&lexicon);
  size_t docs_per_task[8] = {};
  for (size_t t = 0; t < recipe.table_tasks.size(); ++t) {
    QALAM_RETURN_IF_ERROR(ForEachRecord(Path(options.data_dir, recipe.table_tasks[t], "train"),
                                        [&](const CorpusRecord& r) {
                                          if (!analyzer.Analyze(r.title, &title_doc).ok()) return;
                                          if (!analyzer.Analyze(r.text, &body_doc).ok()) return;
                                          builder.AddDocument(title_doc, body_doc);
                                          ++docs_per_task[t];
                                        }));
  }
  DfTable stem_df = builder.BuildStemDf(options.min_stem_df);
  DfTable phrase_df = builder.BuildPhraseDf(options.min_phrase_df, options.min_word_df);
  if (log) {
    *log << "tables: " << builder.num_docs() << " documents, " << stem_df.size() << " stems, "
         << phrase_df.size() << " keyword keys  (" << Seconds(start) << " s)\n";
  }

  // 3. Features and oracle labels of the summarisation sets.
  FeatureExtractor extractor(&stem_df);
  FeatureScratch fs;
  std::vector<RankingDoc> docs;
  std::vector<CvDoc> cv;
  std::string ref;
  size_t oracle_sentences = 0, non_first = 0;
  std::vector<std::string> set_desc;
  for (size_t set_index = 0; set_index < recipe.summary_sets.size(); ++set_index) {
    const SummarySet& set = recipe.summary_sets[set_index];
    size_t rows = 0;
    QALAM_RETURN_IF_ERROR(
        ForEachRecord(Path(options.data_dir, set.task, "train"), [&](const CorpusRecord& r) {
          if (!Reference(set, r, &ref)) return;
          if (!analyzer.Analyze(r.title, &title_doc).ok()) return;
          if (!analyzer.Analyze(r.text, &body_doc).ok()) return;
          extractor.Compute(title_doc, body_doc, JunkRules(), &fs);
          const auto& sents = body_doc.sentences();
          std::vector<std::vector<uint64_t>> stoks(sents.size());
          for (size_t i = 0; i < sents.size(); ++i) {
            stoks[i] =
                RougeTokens(body_doc.text().substr(sents[i].begin, sents[i].end - sents[i].begin));
          }
          std::vector<uint64_t> ref_tokens = RougeTokens(ref);
          const std::vector<uint32_t> oracle = GreedyOracle(stoks, ref_tokens, set.k);
          if (options.cv_folds > 1) {
            CvDoc c;
            c.set = set_index;
            c.k = set.k;
            c.fold = static_cast<uint32_t>(rows % options.cv_folds);
            c.ref = std::move(ref_tokens);
            c.junk = fs.junk;
            if (!sents.empty()) {
              c.first_stripped = RougeTokens(
                  body_doc.text().substr(sents[0].begin + fs.dateline0_bytes,
                                         sents[0].end - sents[0].begin - fs.dateline0_bytes));
            }
            c.sents = stoks;
            cv.push_back(std::move(c));
          }
          RankingDoc d;
          d.n = static_cast<uint32_t>(sents.size());
          d.x = fs.x;
          d.positive.assign(d.n, 0);
          for (uint32_t i : oracle) d.positive[i] = 1;
          oracle_sentences += oracle.size();
          if (!oracle.empty() && oracle[0] != 0) ++non_first;
          docs.push_back(std::move(d));
          ++rows;
        }));
    set_desc.push_back(absl::StrCat(
        set.task, " train (", rows, " articles, K=", set.k,
        set.sentences_ref ? ", reference summary_sentences" : ", reference summary", ")"));
    if (log) {
      *log << set.task << ": " << rows << " articles labelled  (" << Seconds(start) << " s)\n";
    }
  }
  if (log) {
    *log << "oracle: " << oracle_sentences << " sentences; first oracle sentence not the lead in "
         << non_first << " of " << docs.size() << " articles\n";
  }

  if (options.cv_folds > 1 && log != nullptr) {
    CrossValidate(docs, cv, recipe.summary_sets, options);
  }

  // 4. The ranker.
  QALAM_ASSIGN_OR_RETURN(std::vector<double> weights,
                         FitPairwiseRanker(docs, kNumFeatures, options.ranker));
  if (log) *log << "ranker fitted  (" << Seconds(start) << " s)\n";

  SummaryModel::Parts parts;
  parts.language = lang;
  parts.weights = std::move(weights);
  std::string table_sources;
  for (size_t t = 0; t < recipe.table_tasks.size(); ++t) {
    if (t > 0) table_sources += ", ";
    absl::StrAppend(&table_sources, recipe.table_tasks[t], " train (", docs_per_task[t], ")");
  }
  parts.description = absl::StrCat(
      "built by qalam-summarize-train (see models/README.md)\n",
      "stem_df: content stems of title + text, ", builder.num_docs(), " documents: ", table_sources,
      "; ", stem_df.size(), " stems (df >= ", options.min_stem_df, ")\n",
      "phrase_df: keyword keys of 1-4-word phrases, same documents; ", phrase_df.size(),
      " keys (words df >= ", options.min_word_df, ", phrases df >= ", options.min_phrase_df, ")\n",
      lang == Language::kArabic
          ? absl::StrCat("lexicon: normalised Arabic words of the same documents seen >= ",
                         options.min_lexicon_count, " times; ", lexicon.size(), " words\n")
          : std::string("lexicon: empty (English needs no clitic lexicon)\n"),
      "weights: pairwise logistic ranker (C=", options.ranker.c,
      ", <= ", options.ranker.max_pairs_per_positive, " pairs per oracle sentence, seed ",
      options.ranker.seed, ") on greedy ROUGE-1+2 oracle labels of ",
      absl::StrJoin(set_desc, " + "));
  parts.stem_df = std::move(stem_df);
  parts.phrase_df = std::move(phrase_df);
  parts.lexicon = std::move(lexicon);
  return SummaryModel::Create(std::move(parts));
}

absl::StatusOr<EvalResult> EvaluateSet(const Summarizer& summarizer, Language lang,
                                       const SummarySet& set, const std::string& data_dir,
                                       const std::string& split, SummaryOptions options) {
  EvalResult res;
  res.task = set.task;
  options.sentences = set.k;
  options.ratio = 0;
  text::Analyzer analyzer;
  text::AnalyzedText title_doc, body_doc;
  SummarizerScratch scratch;
  Summary summary;
  std::string ref, plain;
  QALAM_RETURN_IF_ERROR(ForEachRecord(Path(data_dir, set.task, split), [&](const CorpusRecord& r) {
    if (!Reference(set, r, &ref)) return;
    if (!analyzer.Analyze(r.title, &title_doc).ok()) return;
    if (!analyzer.Analyze(r.text, &body_doc).ok()) return;
    summarizer.Summarize(lang, title_doc, body_doc, options, &scratch, &summary);
    const std::vector<uint64_t> rt = RougeTokens(ref);
    Add(&res.summary_text, Rouge(rt, RougeTokens(summary.text)));
    plain.clear();
    AppendSummaryText(body_doc, summary.sentences, 0, 0, &plain);
    Add(&res.summary, Rouge(rt, RougeTokens(plain)));
    std::vector<uint32_t> lead;
    for (uint32_t i = 0; i < body_doc.sentences().size() && i < static_cast<uint32_t>(set.k); ++i) {
      lead.push_back(i);
    }
    plain.clear();
    AppendSummaryText(body_doc, lead, 0, 0, &plain);
    Add(&res.lead, Rouge(rt, RougeTokens(plain)));
    ++res.articles;
  }));
  Divide(&res.summary_text, res.articles);
  Divide(&res.summary, res.articles);
  Divide(&res.lead, res.articles);
  return res;
}

}  // namespace summarize
}  // namespace qalam
