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
#include <memory>
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

// A file opened for reading through stdio with a MiB buffer: a read(2) per
// MiB, not per 4 KiB. (glibc ignores setvbuf's size when it is given no
// buffer: the buffer must be ours, and outlive the FILE.)
class BufferedFile {
 public:
  ~BufferedFile() {
    if (f_ != nullptr) fclose(f_);
  }
  absl::Status Open(const std::string& path) {
    f_ = fopen(path.c_str(), "rb");
    if (f_ == nullptr) {
      return absl::NotFoundError(absl::StrCat("cannot read '", path, "': ", std::strerror(errno)));
    }
    buf_.reset(new char[kBuffer]);
    setvbuf(f_, buf_.get(), _IOFBF, kBuffer);
    return absl::OkStatus();
  }
  FILE* get() const { return f_; }

 private:
  static constexpr size_t kBuffer = 1 << 20;
  FILE* f_ = nullptr;
  std::unique_ptr<char[]> buf_;  // freed after f_ is closed
};

// Reads a file line by line (without the line break).
class LineReader {
 public:
  ~LineReader() { free(buf_); }
  absl::Status Open(const std::string& path) {
    QALAM_RETURN_IF_ERROR(file_.Open(path));
    path_ = path;
    return absl::OkStatus();
  }
  bool Next(std::string_view* line) {
    ssize_t n = getline(&buf_, &cap_, file_.get());
    if (n <= 0) return false;
    if (buf_[n - 1] == '\n') --n;
    *line = std::string_view(buf_, static_cast<size_t>(n));
    return true;
  }
  const std::string& path() const { return path_; }

 private:
  BufferedFile file_;
  char* buf_ = nullptr;
  size_t cap_ = 0;
  std::string path_;
};

// Fixed-size records of index.bin, sequentially.
class IndexReader {
 public:
  absl::Status Open(const std::string& path) { return file_.Open(path); }
  bool Next(IndexEntry* e) { return fread(e, sizeof(*e), 1, file_.get()) == 1; }

 private:
  BufferedFile file_;
};

// A distribution of counts: a hash map while counting (an ordered map cost
// a walk down a tree per article), sorted once for the percentiles.
struct Dist {
  absl::flat_hash_map<uint64_t, uint64_t> counts;
  uint64_t n = 0;
  long double sum = 0;
  void Add(uint64_t v) {
    ++counts[v];
    ++n;
    sum += v;
  }
  // (value, count) in increasing order of value.
  std::vector<std::pair<uint64_t, uint64_t>> Sorted() const {
    std::vector<std::pair<uint64_t, uint64_t>> v(counts.begin(), counts.end());
    std::sort(v.begin(), v.end());
    return v;
  }
};

uint64_t Percentile(const std::vector<std::pair<uint64_t, uint64_t>>& sorted, uint64_t n,
                    double p) {
  const uint64_t rank = std::max<uint64_t>(1, static_cast<uint64_t>(std::ceil(p * n)));
  uint64_t cum = 0;
  for (const auto& [v, c] : sorted) {
    cum += c;
    if (cum >= rank) return v;
  }
  return sorted.empty() ? 0 : sorted.back().first;
}

void AppendDist(std::string* out, const Dist& d) {
  if (d.n == 0) {
    out->append("{\"n\": 0}");
    return;
  }
  const std::vector<std::pair<uint64_t, uint64_t>> sorted = d.Sorted();
  absl::StrAppend(out, "{\"n\": ", d.n, ", \"min\": ", sorted.front().first,
                  ", \"p50\": ", Percentile(sorted, d.n, 0.5),
                  ", \"p90\": ", Percentile(sorted, d.n, 0.9),
                  ", \"p99\": ", Percentile(sorted, d.n, 0.99), ", \"max\": ", sorted.back().first,
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

// Keyword -> count, for one label. Exact, like a hash map of strings, but
// laid out for the writer thread's ten look-ups an article in a table that
// grows to the corpus' vocabulary: a slot holds the keyword's 64-bit hash,
// its place in one byte arena and its count, so a look-up reads one slot
// and, only when hash and length match, the keyword's bytes (a map of
// std::string touched a control byte, the slot, and the string's heap
// buffer for keywords longer than 15 bytes: most Arabic ones).
class KeywordCounts {
 public:
  KeywordCounts() : slots_(kInitialSlots) {}

  // Adds every word of `words` (an article's keywords), with their slots and
  // then their stored bytes fetched before any is compared: the table grows
  // to the corpus' vocabulary, and look-up after look-up missed the cache
  // (this was most of ReportBuilder::AddResult's time).
  void AddAll(const std::vector<absl::string_view>& words) {
    constexpr size_t kBatch = 16;
    uint64_t hashes[kBatch];
    for (size_t i = 0; i < words.size(); i += kBatch) {
      const size_t n = std::min(kBatch, words.size() - i);
      while ((used_ + n) * 4 > slots_.size() * 3) Grow();  // no growth below
      const size_t mask = slots_.size() - 1;
      for (size_t j = 0; j < n; ++j) {
        hashes[j] = Hash64(words[i + j]);
        __builtin_prefetch(&slots_[hashes[j] & mask]);
      }
      for (size_t j = 0; j < n; ++j) {
        const Slot& s = slots_[hashes[j] & mask];
        if (s.count != 0) __builtin_prefetch(arena_.data() + s.off);
      }
      for (size_t j = 0; j < n; ++j) AddHashed(words[i + j], hashes[j]);
    }
  }

 private:
  void AddHashed(absl::string_view word, uint64_t h) {
    const size_t mask = slots_.size() - 1;
    for (size_t i = h & mask;; i = (i + 1) & mask) {
      Slot& s = slots_[i];
      if (s.count == 0) {
        s = Slot{h, arena_.size(), static_cast<uint32_t>(word.size()), 1};
        arena_.append(word.data(), word.size());
        ++used_;
        return;
      }
      if (s.hash == h && s.len == word.size() &&
          std::memcmp(arena_.data() + s.off, word.data(), word.size()) == 0) {
        ++s.count;
        return;
      }
    }
  }

 public:
  // Every keyword and its count, in no particular order.
  std::vector<std::pair<absl::string_view, uint64_t>> Entries() const {
    std::vector<std::pair<absl::string_view, uint64_t>> out;
    out.reserve(used_);
    for (const Slot& s : slots_) {
      if (s.count > 0) out.emplace_back(absl::string_view(arena_.data() + s.off, s.len), s.count);
    }
    return out;
  }

 private:
  static constexpr size_t kInitialSlots = 64;  // a power of two
  struct Slot {
    uint64_t hash;
    uint64_t off;  // in arena_
    uint32_t len;
    uint64_t count;  // 0: free
  };
  void Grow() {
    std::vector<Slot> old(slots_.size() * 2);
    old.swap(slots_);
    const size_t mask = slots_.size() - 1;
    for (const Slot& s : old) {
      if (s.count == 0) continue;
      size_t i = s.hash & mask;
      while (slots_[i].count != 0) i = (i + 1) & mask;
      slots_[i] = s;
    }
  }
  std::vector<Slot> slots_;
  std::string arena_;
  size_t used_ = 0;
};

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

struct ReportBuilder::State {
  ReportOptions options;
  uint64_t n_results = 0, n_errors = 0;
  uint64_t entry_no = 0;       // index entries added
  uint64_t results_bytes = 0;  // of results.jsonl so far
  std::map<std::string, uint64_t> error_codes, languages;
  std::map<std::string, std::map<std::string, uint64_t>> labels;  // lang -> label -> n
  std::map<std::string, KeywordCounts> keywords;
  Dist chars, tokens, sentences;
  std::vector<uint32_t> exact_rep;  // per result ordinal
  std::vector<uint64_t> entry_of;   // index entry number per result ordinal
  std::vector<uint64_t> offset_of;  // byte offset in results.jsonl per result ordinal
  std::vector<uint8_t> has_sig;
  absl::flat_hash_map<uint64_t, uint32_t> by_hash;
  uint64_t fingerprinted = 0;

  // The counters of the previous line's language and label, and the
  // keyword counts of its label (lines of one label often come together):
  // saves map lookups and string copies per line.
  uint64_t* lang_count = nullptr;
  std::string lang_key;
  uint64_t* label_count = nullptr;
  std::string label_lang_key, label_key;
  KeywordCounts* keyword_counts = nullptr;
  std::string keyword_key;

  simdjson::dom::parser parser;
  ReportFields scratch;
};

bool ReportFieldsFromProto(const v1::ReportFields& in, ReportFields* out) {
  out->has_lang = in.has_lang();
  out->lang = in.lang();
  out->has_label = in.has_label();
  out->label = in.label();
  out->has_keywords = in.has_keywords();
  out->keywords.clear();
  const std::string& all = in.keywords();
  size_t at = 0;
  for (uint32_t n : in.keyword_bytes()) {
    if (n > all.size() - at) return false;
    out->keywords.emplace_back(all.data() + at, n);
    at += n;
  }
  if (at != all.size()) return false;
  out->has_tokens = in.has_tokens();
  out->tokens = in.tokens();
  out->has_sentences = in.has_sentences();
  out->sentences = in.sentences();
  return true;
}

ReportBuilder::ReportBuilder(const ReportOptions& options) : s_(new State) {
  s_->options = options;
}
ReportBuilder::~ReportBuilder() = default;
uint64_t ReportBuilder::results() const { return s_->n_results; }
uint64_t ReportBuilder::errors() const { return s_->n_errors; }

void ReportBuilder::AddError(absl::string_view line) {
  State& s = *s_;
  ++s.entry_no;
  ++s.n_errors;
  simdjson::dom::element doc;
  std::string_view code = "UNKNOWN";
  if (s.parser.parse(line.data(), line.size()).get(doc) == simdjson::SUCCESS) {
    std::string_view c;
    if (doc["code"].get(c) == simdjson::SUCCESS) code = c;
  }
  ++s.error_codes[std::string(code)];
}

absl::Status ReportBuilder::AddResultLine(absl::string_view line, const IndexEntry& entry) {
  State& s = *s_;
  simdjson::dom::element doc;
  if (s.parser.parse(line.data(), line.size()).get(doc) != simdjson::SUCCESS) {
    return absl::DataLossError(
        absl::StrCat("results line ", s.n_results + 1, " is not a JSON object"));
  }
  ReportFields& f = s.scratch;
  f.has_lang = f.has_label = f.has_keywords = f.has_tokens = f.has_sentences = false;
  f.keywords.clear();
  std::string_view v;
  if (doc["lang"].get(v) == simdjson::SUCCESS) {
    f.has_lang = true;
    f.lang = absl::string_view(v.data(), v.size());
  }
  if (doc["label"].get(v) == simdjson::SUCCESS) {
    f.has_label = true;
    f.label = absl::string_view(v.data(), v.size());
  }
  simdjson::dom::array kw;
  if (doc["keywords"].get(kw) == simdjson::SUCCESS) {
    f.has_keywords = true;
    for (simdjson::dom::element k : kw) {
      if (k.get(v) == simdjson::SUCCESS) f.keywords.emplace_back(v.data(), v.size());
    }
  }
  uint64_t t;
  if (doc["tokens"].get(t) == simdjson::SUCCESS) {
    f.has_tokens = true;
    f.tokens = t;
  }
  simdjson::dom::array sent;
  if (doc["sentences"].get(sent) == simdjson::SUCCESS) {
    f.has_sentences = true;
    f.sentences = sent.size();
  }
  AddResult(f, entry, line.size() + 1);
  return absl::OkStatus();
}

void ReportBuilder::AddResult(const ReportFields& f, const IndexEntry& e, uint64_t line_bytes) {
  State& s = *s_;
  const uint64_t entry_no = s.entry_no++;
  const uint32_t ordinal = static_cast<uint32_t>(s.n_results++);
  const absl::string_view lang = f.has_lang ? f.lang : absl::string_view("(none)");
  if (s.lang_count == nullptr || s.lang_key != lang) {
    s.lang_count = &s.languages[std::string(lang)];
    s.lang_key.assign(lang.data(), lang.size());
  }
  ++*s.lang_count;
  if (f.has_label) {
    if (s.label_count == nullptr || s.label_lang_key != lang || s.label_key != f.label) {
      s.label_count = &s.labels[std::string(lang)][std::string(f.label)];
      s.label_lang_key.assign(lang.data(), lang.size());
      s.label_key.assign(f.label.data(), f.label.size());
    }
    ++*s.label_count;
  }
  if (f.has_keywords) {
    const absl::string_view key = f.has_label ? f.label : absl::string_view("(none)");
    if (s.keyword_counts == nullptr || s.keyword_key != key) {
      s.keyword_counts = &s.keywords[std::string(key)];
      s.keyword_key.assign(key.data(), key.size());
    }
    s.keyword_counts->AddAll(f.keywords);
  }
  if (f.has_tokens) s.tokens.Add(f.tokens);
  if (f.has_sentences) s.sentences.Add(f.sentences);

  s.exact_rep.push_back(ordinal);
  s.entry_of.push_back(entry_no);
  s.offset_of.push_back(s.results_bytes);
  s.results_bytes += line_bytes;
  s.has_sig.push_back(0);
  if (e.flags & IndexEntry::kHasStats) {
    ++s.fingerprinted;
    s.chars.Add(e.chars);
    auto [it, inserted] = s.by_hash.emplace(e.text_hash, ordinal);
    if (!inserted) {
      s.exact_rep[ordinal] = it->second;
    } else {
      bool empty = true;
      for (uint32_t v : e.minhash) empty = empty && v == 0xFFFFFFFFu;
      s.has_sig[ordinal] = !empty;
    }
  }
}

absl::Status AddJobFiles(const std::string& results_path, const std::string& errors_path,
                         const std::string& index_path, ReportBuilder* builder) {
  LineReader results, errors;
  IndexReader index;
  QALAM_RETURN_IF_ERROR(results.Open(results_path));
  QALAM_RETURN_IF_ERROR(errors.Open(errors_path));
  QALAM_RETURN_IF_ERROR(index.Open(index_path));
  IndexEntry e;
  std::string_view line;
  while (index.Next(&e)) {
    if (e.kind == IndexEntry::kError) {
      if (!errors.Next(&line)) {
        return absl::DataLossError(
            absl::StrCat("'", errors_path, "' has fewer lines than '", index_path, "' lists"));
      }
      builder->AddError(absl::string_view(line.data(), line.size()));
      continue;
    }
    if (!results.Next(&line)) {
      return absl::DataLossError(
          absl::StrCat("'", results_path, "' has fewer lines than '", index_path, "' lists"));
    }
    absl::Status s = builder->AddResultLine(absl::string_view(line.data(), line.size()), e);
    if (!s.ok()) {
      return absl::DataLossError(absl::StrCat("'", results_path, "' line ", builder->results() + 1,
                                              " is not a JSON object"));
    }
  }
  if (results.Next(&line) || errors.Next(&line)) {
    return absl::DataLossError(absl::StrCat("'", index_path, "' lists fewer lines than '",
                                            results_path, "' and '", errors_path, "' hold"));
  }
  return absl::OkStatus();
}

absl::StatusOr<std::string> BuildReport(const std::string& results_path,
                                        const std::string& errors_path,
                                        const std::string& index_path, const ReportTiming& timing,
                                        const ReportOptions& options) {
  ReportBuilder builder(options);
  QALAM_RETURN_IF_ERROR(AddJobFiles(results_path, errors_path, index_path, &builder));
  return builder.Finish(results_path, index_path, timing);
}

absl::StatusOr<std::string> ReportBuilder::Finish(const std::string& results_path,
                                                  const std::string& index_path,
                                                  const ReportTiming& timing) {
  State& s = *s_;
  const ReportOptions& options = s.options;
  const uint64_t n_results = s.n_results, n_errors = s.n_errors;
  const auto& exact_rep = s.exact_rep;
  const auto& entry_of = s.entry_of;
  const auto& has_sig = s.has_sig;
  s.by_hash = {};

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
    // The members' ids, from their lines (read at their offsets: a few
    // hundred lines at most, not the whole file again).
    int fd = ::open(results_path.c_str(), O_RDONLY | O_CLOEXEC);
    if (fd < 0) return absl::NotFoundError(absl::StrCat("cannot read '", results_path, "'"));
    std::string buf;
    for (uint32_t o = 0; o < n_results; ++o) {
      Group* ge = nullptr;
      Group* gn = nullptr;
      if (auto it = want_exact.find(exact_rep[o]); it != want_exact.end()) ge = it->second;
      if (auto it = want_near.find(uf.Find(exact_rep[o])); it != want_near.end()) gn = it->second;
      const bool want = (ge != nullptr && ge->ids.size() < static_cast<size_t>(options.ids_per_group)) ||
                        (gn != nullptr && gn->ids.size() < static_cast<size_t>(options.ids_per_group));
      if (!want) continue;
      const uint64_t end = o + 1 < n_results ? s.offset_of[o + 1] : s.results_bytes;
      buf.resize(end - s.offset_of[o]);
      if (::pread(fd, &buf[0], buf.size(), static_cast<off_t>(s.offset_of[o])) !=
          static_cast<ssize_t>(buf.size())) {
        ::close(fd);
        return absl::DataLossError(absl::StrCat("cannot read '", results_path, "'"));
      }
      simdjson::dom::element doc;
      std::string_view id;
      if (s.parser.parse(buf.data(), buf.size()).get(doc) != simdjson::SUCCESS ||
          doc["id"].get(id) != simdjson::SUCCESS) {
        continue;
      }
      for (Group* g : {ge, gn}) {
        if (g != nullptr && g->ids.size() < static_cast<size_t>(options.ids_per_group)) {
          g->ids.emplace_back(id);
        }
      }
    }
    ::close(fd);
  }

  // Render.
  std::string out;
  out.reserve(1 << 14);
  const uint64_t n_in = n_results + n_errors;
  absl::StrAppend(&out, "{\n  \"articles\": {\"in\": ", n_in, ", \"processed\": ", n_results,
                  ", \"failed\": ", n_errors, "},\n  \"errors\": ");
  AppendCounts(&out, s.error_codes, "  ");
  out.append(",\n  \"languages\": ");
  AppendCounts(&out, s.languages, "  ");
  out.append(",\n  \"labels\": {");
  {
    bool first = true;
    for (const auto& [lang, m] : s.labels) {
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
    for (const auto& [label, counts] : s.keywords) {
      std::vector<std::pair<absl::string_view, uint64_t>> v = counts.Entries();
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
  AppendDist(&out, s.chars);
  out.append(",\n    \"tokens\": ");
  AppendDist(&out, s.tokens);
  out.append(",\n    \"sentences\": ");
  AppendDist(&out, s.sentences);
  out.append("\n  },\n  \"duplicates\": {\n");
  absl::StrAppend(&out, "    \"fingerprinted\": ", s.fingerprinted, ",\n");
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
