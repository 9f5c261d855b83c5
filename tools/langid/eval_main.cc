// qalam-langid-eval: measures the language identifier.
//
//   qalam-langid-eval [--model FILE] [--data DIR] [--dump FILE]
//
// On DIR/langid/dev.jsonl (12 languages; gold "ar", "en", anything else is
// "und"): the 3-way accuracy, the recall per language, the errors, and the
// speed (texts/s, one thread). On every article of the train and dev splits
// of the five news tasks: accuracy and "und" counts for the text alone, for
// title + "\n" + text, and for the first 101 characters of the text, and the
// speed on whole articles. DIR defaults to $QALAM_DATA_DIR, else
// <source>/../shared/data, else <source>/../../shared/data.
#include <simdjson.h>
#include <time.h>

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <fstream>
#include <map>
#include <string>
#include <vector>

#include "absl/status/status.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/string_view.h"
#include "common/cli.h"
#include "common/status_macros.h"
#include "workers/text/langid.h"

namespace qalam {
namespace {

using text::Language;
using text::LanguageIdentifier;
using text::LanguageResult;

struct Item {
  std::string id, lang, title, text, task, split;
};

struct Options {
  std::string model;
  std::string data;
  int64_t show_errors = 20;
  bool show_text = false;
  double min_seconds = 1.0;
  std::string dump;  // when set: every result, one line each, full precision
};

// One line per identified text: "set id lang confidence margin ngrams", the
// numbers printed exactly (%a), so that two builds can be compared with cmp.
std::FILE* g_dump = nullptr;

void Dump(absl::string_view set, const std::string& id, const LanguageResult& r) {
  if (g_dump == nullptr) return;
  std::fprintf(g_dump, "%.*s\t%s\t%s\t%a\t%a\t%a\n", static_cast<int>(set.size()), set.data(),
               id.c_str(), r.code(), r.confidence, r.margin, r.ngrams);
}

absl::StatusOr<std::vector<Item>> ReadJsonl(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) return absl::NotFoundError(absl::StrCat("cannot open ", path));
  std::vector<Item> out;
  simdjson::dom::parser parser;
  std::string line;
  size_t line_no = 0;
  while (std::getline(in, line)) {
    ++line_no;
    simdjson::dom::element doc;
    if (auto err = parser.parse(line).get(doc); err) {
      return absl::InvalidArgumentError(
          absl::StrCat(path, ":", line_no, ": ", simdjson::error_message(err)));
    }
    Item it;
    std::string_view sv;
    if (!doc["id"].get_string().get(sv)) it.id = std::string(sv);
    if (!doc["lang"].get_string().get(sv)) it.lang = std::string(sv);
    if (!doc["title"].get_string().get(sv)) it.title = std::string(sv);
    if (!doc["text"].get_string().get(sv)) it.text = std::string(sv);
    out.push_back(std::move(it));
  }
  return out;
}

const char* Gold3(const std::string& lang) {
  return lang == "ar" ? "ar" : lang == "en" ? "en" : "und";
}

size_t CodePoints(absl::string_view s) {
  size_t n = 0;
  for (char c : s) n += (static_cast<unsigned char>(c) & 0xC0) != 0x80;
  return n;
}

// The first `k` code points of s.
absl::string_view PrefixChars(absl::string_view s, size_t k) {
  size_t i = 0;
  for (size_t seen = 0; i < s.size(); ++i) {
    if ((static_cast<unsigned char>(s[i]) & 0xC0) != 0x80) {
      if (seen == k) break;
      ++seen;
    }
  }
  return s.substr(0, i);
}

double ThreadCpuSeconds() {
  timespec ts;
  clock_gettime(CLOCK_THREAD_CPUTIME_ID, &ts);
  return static_cast<double>(ts.tv_sec) + 1e-9 * static_cast<double>(ts.tv_nsec);
}

struct SpeedResult {
  double texts_per_cpu_second = 0;   // per second of this thread's CPU time
  double texts_per_wall_second = 0;  // per second of wall-clock time
  double mean_bytes = 0;
};

// Best-of-5 single-thread throughput of Identify over `texts`, each run at
// least `min_seconds` long. CPU time is reported beside wall-clock time
// because the machine may be shared: it is what one core achieves.
SpeedResult Speed(const LanguageIdentifier& id, const std::vector<absl::string_view>& texts,
                  double min_seconds) {
  size_t bytes = 0;
  for (absl::string_view t : texts) bytes += t.size();
  SpeedResult best;
  best.mean_bytes = static_cast<double>(bytes) / static_cast<double>(texts.size());
  volatile double sink = 0;
  for (int run = 0; run < 5; ++run) {
    size_t done = 0;
    const auto t0 = std::chrono::steady_clock::now();
    const double c0 = ThreadCpuSeconds();
    double secs = 0;
    do {
      double acc = 0;
      for (absl::string_view t : texts) acc += id.Identify(t).confidence;
      sink = sink + acc;
      done += texts.size();
      secs = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
    } while (secs < min_seconds);
    const double cpu = ThreadCpuSeconds() - c0;
    best.texts_per_wall_second =
        std::max(best.texts_per_wall_second, static_cast<double>(done) / secs);
    best.texts_per_cpu_second =
        std::max(best.texts_per_cpu_second, static_cast<double>(done) / cpu);
  }
  return best;
}

void PrintSpeed(const char* what, const SpeedResult& s) {
  std::printf(
      "%s (one thread, best of 5): %.0f texts/s per CPU second (%.1f MB/s), "
      "%.0f texts/s wall-clock\n",
      what, s.texts_per_cpu_second, s.texts_per_cpu_second * s.mean_bytes / 1e6,
      s.texts_per_wall_second);
}

absl::Status EvalDev(const LanguageIdentifier& id, const Options& o) {
  const std::string path = o.data + "/langid/dev.jsonl";
  QALAM_ASSIGN_OR_RETURN(std::vector<Item> dev, ReadJsonl(path));
  if (dev.empty()) return absl::NotFoundError(absl::StrCat(path, " is empty"));
  size_t right = 0;
  std::map<std::string, std::pair<size_t, size_t>> recall;  // lang -> (right, total)
  std::vector<std::string> errors;
  double min_conf_right = 1.0;
  for (const Item& it : dev) {
    const LanguageResult r = id.Identify(it.text);
    Dump("dev", it.id, r);
    const bool ok = absl::string_view(r.code()) == Gold3(it.lang);
    right += ok;
    auto& rc = recall[it.lang];
    rc.first += ok;
    ++rc.second;
    if (ok) min_conf_right = std::min(min_conf_right, r.confidence);
    if (!ok) {
      std::string e = absl::StrCat("  error ", it.id, ": ", it.lang, " -> ", r.code(), " conf ",
                                   r.confidence, " margin ", r.margin, " n-grams ", r.ngrams);
      if (o.show_text) absl::StrAppend(&e, "\n    ", it.text.substr(0, 200));
      errors.push_back(std::move(e));
    }
  }
  std::printf("langid dev (%s): %zu texts\n", path.c_str(), dev.size());
  std::printf("  3-way accuracy %.4f (%zu/%zu), lowest confidence of a right answer %.3f\n",
              static_cast<double>(right) / static_cast<double>(dev.size()), right, dev.size(),
              min_conf_right);
  std::printf("  recall:");
  for (const char* l : {"ar", "en", "fa", "ur", "ckb", "ps", "fr", "es", "de", "it", "pt", "nl"}) {
    auto it = recall.find(l);
    if (it == recall.end()) continue;
    std::printf(" %s %.4f (%zu/%zu)", l,
                static_cast<double>(it->second.first) / static_cast<double>(it->second.second),
                it->second.first, it->second.second);
  }
  std::printf("\n");
  for (size_t i = 0; i < errors.size() && static_cast<int64_t>(i) < o.show_errors; ++i) {
    std::printf("%s\n", errors[i].c_str());
  }
  std::vector<absl::string_view> texts;
  for (const Item& it : dev) texts.push_back(it.text);
  PrintSpeed("  speed", Speed(id, texts, o.min_seconds));
  std::printf("  (franc-all 7.2.0: 465 texts/s on these texts)\n");
  return absl::OkStatus();
}

absl::Status EvalNews(const LanguageIdentifier& id, const Options& o) {
  std::vector<Item> news;
  for (const char* task : {"ar-ant", "ar-multi", "en-bbc", "en-ag", "en-cnn"}) {
    for (const char* split : {"train", "dev"}) {
      QALAM_ASSIGN_OR_RETURN(std::vector<Item> items,
                             ReadJsonl(absl::StrCat(o.data, "/", task, "/", split, ".jsonl")));
      for (Item& it : items) {
        it.task = task;
        it.split = split;
        news.push_back(std::move(it));
      }
    }
  }
  enum Mode { kText, kTitleText, kFirst101 };
  for (Mode mode : {kText, kTitleText, kFirst101}) {
    const char* name = mode == kText        ? "text"
                       : mode == kTitleText ? "title + \"\\n\" + text"
                                            : "first 101 chars of text";
    size_t right = 0, und = 0, und_long = 0;
    std::map<std::string, std::pair<size_t, size_t>> per;  // task/split -> (right, total)
    std::vector<std::string> errors;
    for (const Item& it : news) {
      LanguageResult r;
      size_t chars;
      if (mode == kText) {
        r = id.Identify(it.text);
        chars = CodePoints(it.text);
      } else if (mode == kTitleText) {
        r = id.IdentifyArticle(it.title, it.text);
        chars = CodePoints(it.title) + 1 + CodePoints(it.text);
      } else {
        absl::string_view p = PrefixChars(it.text, 101);
        r = id.Identify(p);
        chars = CodePoints(p);
      }
      Dump(absl::StrCat(name, " ", it.task, "/", it.split), it.id, r);
      const bool ok = it.lang == r.code();
      right += ok;
      auto& pc = per[it.task + "/" + it.split];
      pc.first += ok;
      ++pc.second;
      if (r.lang == Language::kUndetermined) {
        ++und;
        if (chars > 100) ++und_long;
      }
      if (!ok) {
        errors.push_back(absl::StrCat("  error ", it.task, "/", it.split, " ", it.id, ": ", it.lang,
                                      " -> ", r.code(), " conf ", r.confidence, " margin ",
                                      r.margin));
      }
    }
    std::printf("news tasks, %s: accuracy %.5f (%zu/%zu), und %zu, und with > 100 chars %zu\n",
                name, static_cast<double>(right) / static_cast<double>(news.size()), right,
                news.size(), und, und_long);
    std::printf("   ");
    for (const auto& [k, v] : per) std::printf(" %s %zu/%zu", k.c_str(), v.first, v.second);
    std::printf("\n");
    for (size_t i = 0; i < errors.size() && static_cast<int64_t>(i) < o.show_errors; ++i) {
      std::printf("%s\n", errors[i].c_str());
    }
  }
  std::vector<absl::string_view> texts;
  for (const Item& it : news) texts.push_back(it.text);
  PrintSpeed("news speed (text of every article)", Speed(id, texts, o.min_seconds));
  return absl::OkStatus();
}

absl::Status Run(Options o) {
  if (o.model.empty()) {
    QALAM_ASSIGN_OR_RETURN(o.model, LanguageIdentifier::DefaultModelPath());
  }
  if (o.data.empty()) {
    // $QALAM_DATA_DIR, else shared/data next to the source tree (a main
    // checkout) or one level further up (a git worktree under wt/).
    const char* d = std::getenv("QALAM_DATA_DIR");
    if (d != nullptr && *d != '\0') {
      o.data = d;
    } else {
      o.data = std::string(QALAM_SOURCE_DIR) + "/../shared/data";
      const std::string up = std::string(QALAM_SOURCE_DIR) + "/../../shared/data";
      if (!std::ifstream(o.data + "/langid/dev.jsonl") && std::ifstream(up + "/langid/dev.jsonl")) {
        o.data = up;
      }
    }
  }
  QALAM_ASSIGN_OR_RETURN(auto id, LanguageIdentifier::Load(o.model));
  if (!o.dump.empty()) {
    g_dump = std::fopen(o.dump.c_str(), "w");
    if (g_dump == nullptr) return absl::InternalError(absl::StrCat("cannot write ", o.dump));
  }
  std::printf("model: %s\n", o.model.c_str());
  QALAM_RETURN_IF_ERROR(EvalDev(*id, o));
  QALAM_RETURN_IF_ERROR(EvalNews(*id, o));
  if (g_dump != nullptr && std::fclose(g_dump) != 0) {
    return absl::InternalError(absl::StrCat("cannot write ", o.dump));
  }
  return absl::OkStatus();
}

}  // namespace
}  // namespace qalam

int main(int argc, char** argv) {
  qalam::Options o;
  qalam::FlagSet flags("qalam-langid-eval [--model FILE] [--data DIR]",
                       "Measures the language identifier on langid/dev.jsonl and on the news "
                       "tasks' train and dev splits.");
  flags.String("model", &o.model, "model file (default: the bundled models/langid.bin)", "FILE");
  flags.String("data", &o.data,
               "data folder (default: $QALAM_DATA_DIR, else <source>/../shared/data or "
               "<source>/../../shared/data)",
               "DIR");
  flags.Int("show_errors", &o.show_errors, "errors to list per evaluation");
  flags.Bool("show_text", &o.show_text, "print the start of each misidentified dev text");
  flags.Double("min_seconds", &o.min_seconds, "minimum duration of each timing run");
  flags.String("dump", &o.dump,
               "also write every result to FILE (set, id, label, confidence, margin, n-grams; "
               "numbers in exact hex-float form), to compare two builds with cmp",
               "FILE");
  std::vector<std::string> positional;
  absl::Status st = flags.Parse(argc, argv, 1, &positional);
  if (st.ok() && flags.help_requested()) {
    std::fputs(flags.Help().c_str(), stdout);
    return 0;
  }
  if (st.ok()) st = qalam::Run(o);
  if (!st.ok()) {
    std::fprintf(stderr, "qalam-langid-eval: %s\n", st.ToString().c_str());
    return 1;
  }
  return 0;
}
