#include "workers/summarize/df_table.h"

#include <algorithm>

#include "absl/strings/str_cat.h"
#include "common/hash.h"
#include "common/status_macros.h"
#include "workers/summarize/model_file.h"

namespace qalam {
namespace summarize {

namespace internal {

const double* MakeLogTable() {
  auto* t = new double[kLogTableSize];
  for (uint32_t k = 0; k < kLogTableSize; ++k) {
    // volatile: computed by libm at run time, as the callers would, not
    // folded by the compiler with its own (differently rounded) arithmetic.
    volatile double x = static_cast<double>(k);
    t[k] = std::log(x);
  }
  return t;
}

std::vector<std::pair<uint64_t, uint32_t>> CountTable::SortedEntries() const {
  std::vector<std::pair<uint64_t, uint32_t>> out;
  out.reserve(size_);
  for (const Slot& s : slots_) {
    if (s.key != 0) out.emplace_back(s.key, s.value);
  }
  std::sort(out.begin(), out.end());
  return out;
}

}  // namespace internal

DfTable::DfTable(uint64_t num_docs, const std::vector<std::pair<uint64_t, uint32_t>>& entries)
    : num_docs_(num_docs), log_n1_(std::log(static_cast<double>(num_docs) + 1.0)) {
  table_.Build(entries);
}

std::string DfTable::Serialize() const {
  // Home-slot order (see CountTable::HomeSlot), ties by key.
  auto entries = SortedEntries();
  const size_t cap = internal::CountTable::CapacityFor(entries.size());
  std::stable_sort(entries.begin(), entries.end(), [cap](const auto& a, const auto& b) {
    return internal::CountTable::HomeSlot(a.first, cap) <
           internal::CountTable::HomeSlot(b.first, cap);
  });
  std::string out;
  out.reserve(16 + entries.size() * 12);
  PutU64(&out, num_docs_);
  PutU64(&out, entries.size());
  for (const auto& e : entries) PutU64(&out, e.first);
  for (const auto& e : entries) PutU32(&out, e.second);
  return out;
}

absl::StatusOr<DfTable> DfTable::Parse(absl::string_view payload, absl::string_view what) {
  SectionReader r(payload, std::string(what));
  uint64_t num_docs = 0, n = 0;
  QALAM_RETURN_IF_ERROR(r.U64(&num_docs));
  QALAM_RETURN_IF_ERROR(r.U64(&n));
  if (n > r.remaining() / 12 || r.remaining() != n * 12) {
    return absl::DataLossError(
        absl::StrCat(what, ": ", n, " entries do not fit its ", payload.size(), " bytes"));
  }
  absl::string_view keys, counts;
  QALAM_RETURN_IF_ERROR(r.Bytes(n * 8, &keys));
  QALAM_RETURN_IF_ERROR(r.Bytes(n * 4, &counts));
  DfTable t;
  t.num_docs_ = num_docs;
  t.log_n1_ = std::log(static_cast<double>(num_docs) + 1.0);
  t.table_.Reset(n);
  const size_t cap = internal::CountTable::CapacityFor(n);
  uint64_t prev_key = 0;
  size_t prev_slot = 0;
  const unsigned char* key_bytes = reinterpret_cast<const unsigned char*>(keys.data());
  const unsigned char* count_bytes = reinterpret_cast<const unsigned char*>(counts.data());
  for (size_t i = 0; i < n; ++i) {
    // Little-endian words, read whole (byte by byte, with string_view's
    // checked operator[], this loop was most of the model's load time).
    const uint64_t key = LoadLe64(key_bytes + i * 8);
    const uint32_t count = static_cast<uint32_t>(LoadLeUpTo8(count_bytes + i * 4, 4));
    // Entries come in home-slot order, ties by key: this also proves the
    // keys distinct.
    const size_t slot = internal::CountTable::HomeSlot(key, cap);
    if (i > 0 && (slot < prev_slot || (slot == prev_slot && key <= prev_key))) {
      return absl::DataLossError(absl::StrCat(what, ": entries out of order at ", i));
    }
    prev_key = key;
    prev_slot = slot;
    t.table_.Insert(key, count);
  }
  return t;
}

void LexiconBuilder::AddText(const text::AnalyzedText& doc) {
  ++texts_;
  for (const text::Token& t : doc.tokens()) {
    if (t.kind == text::TokenKind::kWord && (t.flags & text::kTokArabic)) ++counts_[t.norm_hash];
  }
}

DfTable LexiconBuilder::Build(uint32_t min_count) const {
  std::vector<std::pair<uint64_t, uint32_t>> entries;
  for (const auto& kv : counts_) {
    if (kv.second >= min_count) entries.emplace_back(kv.first, kv.second);
  }
  std::sort(entries.begin(), entries.end());
  return DfTable(texts_, entries);
}

void DfTableBuilder::AddDocument(const text::AnalyzedText& title, const text::AnalyzedText& body) {
  ++docs_;
  const uint32_t stamp = static_cast<uint32_t>(docs_);
  auto count = [stamp](absl::flat_hash_map<uint64_t, Entry>* m, uint64_t key, bool phrase) {
    Entry& e = (*m)[key];
    if (e.last_doc != stamp) {
      e.last_doc = stamp;
      ++e.df;
      e.phrase = phrase;
    }
  };
  for (const text::AnalyzedText* doc : {&title, &body}) {
    for (const text::Token& t : doc->tokens()) {
      const uint64_t stem = internal::ContentStem(*doc, t);
      if (stem != 0) count(&stems_, stem, false);
    }
    tokens_.clear();
    internal::KeywordTokens(*doc, lexicon_, &tokens_);
    const size_t n = tokens_.size();
    for (size_t i = 0; i < n; ++i) {
      // Phrases start at i and stay inside its run.
      for (int len = 1; len <= internal::kMaxNgram && i + len <= n; ++len) {
        if (len > 1 && !(tokens_[i + len - 1].flags & internal::kKwJoin)) break;
        count(&phrases_, internal::NgramKey(&tokens_[i], len), len > 1);
      }
    }
  }
}

DfTable DfTableBuilder::BuildStemDf(uint32_t min_df) const {
  std::vector<std::pair<uint64_t, uint32_t>> entries;
  for (const auto& kv : stems_) {
    if (kv.second.df >= min_df) entries.emplace_back(kv.first, kv.second.df);
  }
  std::sort(entries.begin(), entries.end());
  return DfTable(docs_, entries);
}

DfTable DfTableBuilder::BuildPhraseDf(uint32_t min_phrase_df, uint32_t min_word_df) const {
  std::vector<std::pair<uint64_t, uint32_t>> entries;
  for (const auto& kv : phrases_) {
    if (kv.second.df >= (kv.second.phrase ? min_phrase_df : min_word_df)) {
      entries.emplace_back(kv.first, kv.second.df);
    }
  }
  std::sort(entries.begin(), entries.end());
  return DfTable(docs_, entries);
}

}  // namespace summarize
}  // namespace qalam
