// Loads real news text for the benchmarks: the `text` fields of a JSONL
// file from ../shared/data (when present: QALAM_DATA_DIR overrides its
// location) or the bundled examples/sample.jsonl.
#ifndef QALAM_BENCH_BENCH_DATA_H_
#define QALAM_BENCH_BENCH_DATA_H_

#include <cstdlib>
#include <fstream>
#include <string>
#include <vector>

#include <simdjson.h>

namespace qalam {
namespace bench {

struct Article {
  std::string id;
  std::string title;
  std::string text;
  std::string label;
};

// $QALAM_DATA_DIR, else ../shared/data next to the source tree (or two
// levels up, for a git worktree in a sub-folder).
inline std::string DataDir() {
  if (const char* d = std::getenv("QALAM_DATA_DIR")) return d;
  const std::string one = std::string(QALAM_SOURCE_DIR) + "/../shared/data";
  if (std::ifstream(one + "/README.md").good()) return one;
  return std::string(QALAM_SOURCE_DIR) + "/../../shared/data";
}

// Reads up to `limit` articles of `path` ("" if missing).
inline std::vector<Article> LoadJsonl(const std::string& path, size_t limit = SIZE_MAX) {
  std::vector<Article> out;
  std::ifstream in(path);
  std::string line;
  simdjson::dom::parser parser;
  while (out.size() < limit && std::getline(in, line)) {
    simdjson::dom::element doc;
    if (parser.parse(line).get(doc)) continue;
    Article a;
    std::string_view sv;
    if (!doc["text"].get_string().get(sv)) a.text = std::string(sv);
    if (!doc["title"].get_string().get(sv)) a.title = std::string(sv);
    if (!doc["id"].get_string().get(sv)) a.id = std::string(sv);
    if (!doc["label"].get_string().get(sv)) a.label = std::string(sv);
    if (!a.text.empty()) out.push_back(std::move(a));
  }
  return out;
}

// Arabic news: ar-multi dev if available, else the bundled sample.
inline std::vector<Article> ArabicNews() {
  std::vector<Article> a = LoadJsonl(DataDir() + "/ar-multi/dev.jsonl");
  if (a.empty()) a = LoadJsonl(std::string(QALAM_SOURCE_DIR) + "/examples/sample.jsonl");
  return a;
}

// English news: en-cnn dev if available (empty otherwise).
inline std::vector<Article> EnglishNews() { return LoadJsonl(DataDir() + "/en-cnn/dev.jsonl"); }

inline size_t TotalBytes(const std::vector<Article>& v) {
  size_t n = 0;
  for (const Article& a : v) n += a.text.size();
  return n;
}

}  // namespace bench
}  // namespace qalam

#endif  // QALAM_BENCH_BENCH_DATA_H_
