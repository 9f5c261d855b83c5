#include "coordinator/report.h"

#include <fcntl.h>
#include <simdjson.h>
#include <stdio.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cmath>
#include <cstring>
#include <map>
#include <vector>

#include "absl/container/flat_hash_map.h"
#include "absl/strings/str_cat.h"
#include "common/hash.h"
#include "common/json_writer.h"
#include "common/status_macros.h"
#include "coordinator/output_store.h"

namespace qalam {
namespace {

constexpr int kBands = 8;
constexpr int kRows = kMinHashSize / kBands;  // 4 rows: candidates from J ~ 0.6 up

// Reads a file line by line (without the line break).
class LineReader {
 public:
  ~LineReader() {
    if (f_ != nullptr) fclose(f_);
    free(buf_);
  }
  absl::Status Open(const std::string& path) {
    f_ = fopen(path.c_str(), "rb");
    if (f_ == nullptr) {
      return absl::NotFoundError(absl::StrCat("cannot read '", path, "': ", std::strerror(errno)));
    }
    setvbuf(f_, nullptr, _IOFBF, 1 << 20);  // a read(2) per MiB, not per 4 KiB
    path_ = path;
    return absl::OkStatus();
  }
  bool Next(std::string_view* line) {
    ssize_t n = getline(&buf_, &cap_, f_);
    if (n <= 0) return false;
    if (buf_[n - 1] == '\n') --n;
    *line = std::string_view(buf_, static_cast<size_t>(n));
    return true;
  }
  const std::string& path() const { return path_; }

 private:
  FILE* f_ = nullptr;
  char* buf_ = nullptr;
  size_t cap_ = 0;
  std::string path_;
};

// Fixed-size records of index.bin, sequentially.
class IndexReader {
 public:
  ~IndexReader() {
    if (f_ != nullptr) fclose(f_);
  }
  absl::Status Open(const std::string& path) {
    f_ = fopen(path.c_str(), "rb");
    if (f_ == nullptr) {
      return absl::NotFoundError(absl::StrCat("cannot read '", path, "': ", std::strerror(errno)));
    }
    setvbuf(f_, nullptr, _IOFBF, 1 << 20);
    return absl::OkStatus();
  }
  bool Next(IndexEntry* e) { return fread(e, sizeof(*e), 1, f_) == 1; }

 private:
  FILE* f_ = nullptr;
};

struct Dist {
  std::map<uint64_t, uint64_t> counts;
  uint64_t n = 0;
  long double sum = 0;
  void Add(uint64_t v) {
    ++counts[v];
    ++n;
    sum += v;
  }
  uint64_t Percentile(double p) const {
    const uint64_t rank = std::max<uint64_t>(1, static_cast<uint64_t>(std::ceil(p * n)));
    uint64_t cum = 0;
    for (const auto& [v, c] : counts) {
      cum += c;
      if (cum >= rank) return v;
    }
    return counts.empty() ? 0 : counts.rbegin()->first;
  }
};

void AppendDist(std::string* out, const Dist& d) {
  if (d.n == 0) {
    out->append("{\"n\": 0}");
    return;
  }
  absl::StrAppend(out, "{\"n\": ", d.n, ", \"min\": ", d.counts.begin()->first,
                  ", \"p50\": ", d.Percentile(0.5), ", \"p90\": ", d.Percentile(0.9),
                  ", \"p99\": ", d.Percentile(0.99), ", \"max\": ", d.counts.rbegin()->first,
                  ", \"mean\": ");
  AppendJsonDouble(out, static_cast<double>(d.sum / d.n), 1);
  out->push_back('}');
}

// Counts by string, rendered sorted by key.
void AppendCounts(std::string* out, const std::map<std::string, uint64_t>& m,
                  const std::string& indent) {
  if (m.empty()) {
    out->append("{}");
    return;
  }
  out->append("{");
  bool first = true;
  for (const auto& [k, v] : m) {
    absl::StrAppend(out, first ? "\n" : ",\n", indent, "  ");
    AppendJsonString(out, k);
    absl::StrAppend(out, ": ", v);
    first = false;
  }
  absl::StrAppend(out, "\n", indent, "}");
}

struct UnionFind {
  std::vector<uint32_t> parent;
  uint32_t Find(uint32_t x) {
    while (parent[x] != x) {
      parent[x] = parent[parent[x]];
      x = parent[x];
    }
    return x;
  }
  // The smaller index becomes the root, so that roots are deterministic.
  void Union(uint32_t a, uint32_t b) {
    a = Find(a);
    b = Find(b);
    if (a == b) return;
    if (a < b)
      parent[b] = a;
    else
      parent[a] = b;
  }
};

struct Group {
  uint32_t root;      // smallest result ordinal of the group
  uint64_t size;      // articles
  uint64_t distinct;  // exact-duplicate classes in it (near groups)
  std::vector<std::string> ids;
};

}  // namespace

absl::StatusOr<std::string> BuildReport(const std::string& results_path,
                                        const std::string& errors_path,
                                        const std::string& index_path, const ReportTiming& timing,
                                        const ReportOptions& options) {
  LineReader results, errors;
  IndexReader index;
  QALAM_RETURN_IF_ERROR(results.Open(results_path));
  QALAM_RETURN_IF_ERROR(errors.Open(errors_path));
  QALAM_RETURN_IF_ERROR(index.Open(index_path));

  uint64_t n_results = 0, n_errors = 0;
  std::map<std::string, uint64_t> error_codes, languages;
  std::map<std::string, std::map<std::string, uint64_t>> labels;  // lang -> label -> n
  std::map<std::string, absl::flat_hash_map<std::string, uint64_t>> keywords;
  Dist chars, tokens, sentences;
  std::vector<uint32_t> exact_rep;  // per result ordinal
  std::vector<uint64_t> entry_of;   // index entry number per result ordinal
  std::vector<uint8_t> has_sig;
  absl::flat_hash_map<uint64_t, uint32_t> by_hash;
  uint64_t fingerprinted = 0;

  // The keyword counts of the label of the previous line (lines of one label
  // often come together): saves a map lookup per line.
  absl::flat_hash_map<std::string, uint64_t>* counts = nullptr;
  std::string counts_key;

  simdjson::dom::parser parser;
  IndexEntry e;
  uint64_t entry_no = 0;
  std::string_view line;
  for (; index.Next(&e); ++entry_no) {
    if (e.kind == IndexEntry::kError) {
      if (!errors.Next(&line)) {
        return absl::DataLossError(
            absl::StrCat("'", errors_path, "' has fewer lines than '", index_path, "' lists"));
      }
      ++n_errors;
      simdjson::dom::element doc;
      std::string_view code = "UNKNOWN";
      if (parser.parse(line.data(), line.size()).get(doc) == simdjson::SUCCESS) {
        std::string_view c;
        if (doc["code"].get(c) == simdjson::SUCCESS) code = c;
      }
      ++error_codes[std::string(code)];
      continue;
    }
    if (!results.Next(&line)) {
      return absl::DataLossError(
          absl::StrCat("'", results_path, "' has fewer lines than '", index_path, "' lists"));
    }
    const uint32_t ordinal = static_cast<uint32_t>(n_results++);
    simdjson::dom::element doc;
    if (parser.parse(line.data(), line.size()).get(doc) != simdjson::SUCCESS) {
      return absl::DataLossError(
          absl::StrCat("'", results_path, "' line ", n_results, " is not a JSON object"));
    }
    std::string_view lang = "(none)", label;
    bool has_label = false;
    {
      std::string_view s;
      if (doc["lang"].get(s) == simdjson::SUCCESS) lang = s;
      if (doc["label"].get(s) == simdjson::SUCCESS) {
        label = s;
        has_label = true;
      }
    }
    ++languages[std::string(lang)];
    if (has_label) ++labels[std::string(lang)][std::string(label)];
    simdjson::dom::array kw;
    if (doc["keywords"].get(kw) == simdjson::SUCCESS) {
      const std::string_view key = has_label ? label : std::string_view("(none)");
      if (counts == nullptr || counts_key != key) {
        counts = &keywords[std::string(key)];
        counts_key.assign(key.data(), key.size());
      }
      for (simdjson::dom::element k : kw) {
        std::string_view s;
        if (k.get(s) != simdjson::SUCCESS) continue;
        // Heterogeneous lookup: a string is made only for a new keyword.
        const absl::string_view word(s.data(), s.size());
        auto it = counts->find(word);
        if (it == counts->end()) {
          counts->emplace(std::string(word), 1);
        } else {
          ++it->second;
        }
      }
    }
    uint64_t t;
    if (doc["tokens"].get(t) == simdjson::SUCCESS) tokens.Add(t);
    simdjson::dom::array sent;
    if (doc["sentences"].get(sent) == simdjson::SUCCESS) sentences.Add(sent.size());

    exact_rep.push_back(ordinal);
    entry_of.push_back(entry_no);
    has_sig.push_back(0);
    if (e.flags & IndexEntry::kHasStats) {
      ++fingerprinted;
      chars.Add(e.chars);
      auto [it, inserted] = by_hash.emplace(e.text_hash, ordinal);
      if (!inserted) {
        exact_rep[ordinal] = it->second;
      } else {
        bool empty = true;
        for (uint32_t v : e.minhash) empty = empty && v == 0xFFFFFFFFu;
        has_sig[ordinal] = !empty;
      }
    }
  }
  if (results.Next(&line) || errors.Next(&line)) {
    return absl::DataLossError(absl::StrCat("'", index_path, "' lists fewer lines than '",
                                            results_path, "' and '", errors_path, "' hold"));
  }
  by_hash = {};

  // Near duplicates among the exact classes' representatives: LSH with
  // kBands bands of kRows rows, one band at a time (so only one band's
  // table is in memory), each candidate pair checked on its signatures.
  UnionFind uf;
  uf.parent.resize(n_results);
  for (uint32_t i = 0; i < n_results; ++i) uf.parent[i] = i;
  {
    int fd = ::open(index_path.c_str(), O_RDONLY | O_CLOEXEC);
    if (fd < 0) return absl::NotFoundError(absl::StrCat("cannot read '", index_path, "'"));
    auto read_entry = [fd](uint64_t no, IndexEntry* out) {
      return ::pread(fd, out, sizeof(*out), static_cast<off_t>(no * sizeof(*out))) ==
             static_cast<ssize_t>(sizeof(*out));
    };
    IndexEntry a, b;
    for (int band = 0; band < kBands; ++band) {
      absl::flat_hash_map<uint64_t, uint32_t> table;
      IndexReader pass;
      QALAM_RETURN_IF_ERROR(pass.Open(index_path));
      uint32_t ordinal = 0;
      while (pass.Next(&a)) {
        if (a.kind != IndexEntry::kResult) continue;
        const uint32_t o = ordinal++;
        if (!has_sig[o]) continue;
        uint64_t key = static_cast<uint64_t>(band) * kHashK1;
        for (int r = 0; r < kRows; ++r) key = HashCombine(key, a.minhash[band * kRows + r]);
        auto [it, inserted] = table.emplace(key, o);
        if (inserted || uf.Find(it->second) == uf.Find(o)) continue;
        if (!read_entry(entry_of[it->second], &b)) {
          ::close(fd);
          return absl::DataLossError(absl::StrCat("cannot read '", index_path, "'"));
        }
        std::array<uint32_t, kMinHashSize> sa, sb;
        std::copy(std::begin(a.minhash), std::end(a.minhash), sa.begin());
        std::copy(std::begin(b.minhash), std::end(b.minhash), sb.begin());
        if (EstimateJaccard(sa, sb) >= options.near_threshold) uf.Union(it->second, o);
      }
    }
    ::close(fd);
  }

  // Groups: exact classes and near components (over classes).
  absl::flat_hash_map<uint32_t, Group> exact_groups, near_groups;
  for (uint32_t o = 0; o < n_results; ++o) {
    const uint32_t rep = exact_rep[o];
    Group& g = exact_groups[rep];
    g.root = rep;
    ++g.size;
    Group& ng = near_groups[uf.Find(rep)];
    ng.root = uf.Find(rep);
    ++ng.size;
    if (rep == o) ++ng.distinct;
  }
  auto top = [&](absl::flat_hash_map<uint32_t, Group>& groups, bool near, uint64_t* n_groups,
                 uint64_t* n_articles) {
    std::vector<Group*> list;
    *n_groups = *n_articles = 0;
    for (auto& [root, g] : groups) {
      (void)root;
      if (g.size < 2 || (near && g.distinct < 2)) continue;
      ++*n_groups;
      *n_articles += g.size;
      list.push_back(&g);
    }
    std::sort(list.begin(), list.end(), [](const Group* x, const Group* y) {
      return x->size != y->size ? x->size > y->size : x->root < y->root;
    });
    if (list.size() > static_cast<size_t>(options.top_groups)) list.resize(options.top_groups);
    return list;
  };
  uint64_t exact_n = 0, exact_articles = 0, near_n = 0, near_articles = 0;
  std::vector<Group*> exact_top = top(exact_groups, false, &exact_n, &exact_articles);
  std::vector<Group*> near_top = top(near_groups, true, &near_n, &near_articles);
  {
    absl::flat_hash_map<uint32_t, Group*> want_exact, want_near;
    for (Group* g : exact_top) want_exact[g->root] = g;
    for (Group* g : near_top) want_near[g->root] = g;
    LineReader again;
    QALAM_RETURN_IF_ERROR(again.Open(results_path));
    for (uint32_t o = 0; o < n_results && again.Next(&line); ++o) {
      Group* ge = nullptr;
      Group* gn = nullptr;
      if (auto it = want_exact.find(exact_rep[o]); it != want_exact.end()) ge = it->second;
      if (auto it = want_near.find(uf.Find(exact_rep[o])); it != want_near.end()) gn = it->second;
      if (ge == nullptr && gn == nullptr) continue;
      simdjson::dom::element doc;
      std::string_view id;
      if (parser.parse(line.data(), line.size()).get(doc) != simdjson::SUCCESS ||
          doc["id"].get(id) != simdjson::SUCCESS) {
        continue;
      }
      for (Group* g : {ge, gn}) {
        if (g != nullptr && g->ids.size() < static_cast<size_t>(options.ids_per_group)) {
          g->ids.emplace_back(id);
        }
      }
    }
  }

  // Render.
  std::string out;
  out.reserve(1 << 14);
  const uint64_t n_in = n_results + n_errors;
  absl::StrAppend(&out, "{\n  \"articles\": {\"in\": ", n_in, ", \"processed\": ", n_results,
                  ", \"failed\": ", n_errors, "},\n  \"errors\": ");
  AppendCounts(&out, error_codes, "  ");
  out.append(",\n  \"languages\": ");
  AppendCounts(&out, languages, "  ");
  out.append(",\n  \"labels\": {");
  {
    bool first = true;
    for (const auto& [lang, m] : labels) {
      absl::StrAppend(&out, first ? "\n" : ",\n", "    ");
      AppendJsonString(&out, lang);
      out.append(": ");
      AppendCounts(&out, m, "    ");
      first = false;
    }
    out.append(first ? "}" : "\n  }");
  }
  out.append(",\n  \"keywords\": {");
  {
    bool first = true;
    for (const auto& [label, counts] : keywords) {
      std::vector<std::pair<std::string, uint64_t>> v(counts.begin(), counts.end());
      std::sort(v.begin(), v.end(), [](const auto& x, const auto& y) {
        return x.second != y.second ? x.second > y.second : x.first < y.first;
      });
      if (v.size() > static_cast<size_t>(options.top_keywords)) v.resize(options.top_keywords);
      absl::StrAppend(&out, first ? "\n" : ",\n", "    ");
      AppendJsonString(&out, label);
      out.append(": [");
      for (size_t i = 0; i < v.size(); ++i) {
        if (i > 0) out.append(", ");
        out.push_back('[');
        AppendJsonString(&out, v[i].first);
        absl::StrAppend(&out, ", ", v[i].second, "]");
      }
      out.push_back(']');
      first = false;
    }
    out.append(first ? "}" : "\n  }");
  }
  out.append(",\n  \"lengths\": {\n    \"chars\": ");
  AppendDist(&out, chars);
  out.append(",\n    \"tokens\": ");
  AppendDist(&out, tokens);
  out.append(",\n    \"sentences\": ");
  AppendDist(&out, sentences);
  out.append("\n  },\n  \"duplicates\": {\n");
  absl::StrAppend(&out, "    \"fingerprinted\": ", fingerprinted, ",\n");
  auto groups_json = [&](const char* name, uint64_t n, uint64_t articles,
                         const std::vector<Group*>& list, bool near) {
    absl::StrAppend(&out, "    \"", name, "\": {");
    if (near) {
      out.append("\"threshold\": ");
      AppendJsonDouble(&out, options.near_threshold, 2);
      out.append(", ");
    }
    absl::StrAppend(&out, "\"groups\": ", n, ", \"articles\": ", articles, ", \"largest\": [");
    for (size_t i = 0; i < list.size(); ++i) {
      absl::StrAppend(&out, i ? ",\n" : "\n", "      {\"size\": ", list[i]->size);
      if (near) absl::StrAppend(&out, ", \"distinct\": ", list[i]->distinct);
      out.append(", \"ids\": [");
      for (size_t j = 0; j < list[i]->ids.size(); ++j) {
        if (j > 0) out.append(", ");
        AppendJsonString(&out, list[i]->ids[j]);
      }
      out.append("]}");
    }
    out.append(list.empty() ? "]}" : "\n    ]}");
  };
  groups_json("exact", exact_n, exact_articles, exact_top, false);
  out.append(",\n");
  groups_json("near", near_n, near_articles, near_top, true);
  out.append("\n  },\n  \"timing\": {\"seconds\": ");
  AppendJsonDouble(&out, timing.seconds, 3);
  out.append(", \"articles_per_second\": ");
  AppendJsonDouble(&out, timing.seconds > 0 ? static_cast<double>(n_in) / timing.seconds : 0, 1);
  absl::StrAppend(&out, ", \"workers\": ", timing.workers, ", \"parts\": ", timing.parts, "}\n}\n");
  return out;
}

}  // namespace qalam
