// Open-addressing hash tables keyed by 64-bit hashes, for the summariser:
// CountTable (immutable after Build, shared by all threads: the model's
// document-frequency tables) and ScratchIndex (per-thread, cleared in O(1)
// between articles: per-article term ids).
//
// Keys are already good 64-bit hashes (common/hash.h), so the low bits pick
// the slot directly and probing is linear. Key 0 marks an empty slot; a key
// that happens to be 0 is stored as kZeroKey instead (both at Build and at
// lookup), so no key is lost. Internal to qalam_summarize.
#ifndef QALAM_WORKERS_SUMMARIZE_HASH_TABLE_H_
#define QALAM_WORKERS_SUMMARIZE_HASH_TABLE_H_

#include <cstddef>
#include <cstdint>
#include <utility>
#include <vector>

namespace qalam {
namespace summarize {
namespace internal {

inline constexpr uint64_t kZeroKey = 0x9E3779B97F4A7C15ULL;
inline uint64_t SlotKey(uint64_t key) { return key == 0 ? kZeroKey : key; }

// The smallest power of two >= n (and >= 16).
inline size_t PowerOfTwoAtLeast(size_t n) {
  size_t c = 16;
  while (c < n) c <<= 1;
  return c;
}

// An immutable map from 64-bit keys to 32-bit counts; absent keys count 0.
// Thread-safe once built (Find is const and touches no shared state).
class CountTable {
 public:
  CountTable() = default;

  // The number of slots a table of n entries has (load <= 0.7).
  static size_t CapacityFor(size_t n) { return PowerOfTwoAtLeast(n + n * 3 / 7 + 1); }

  // The home slot of `key` in a table of `capacity` slots: entries inserted
  // in ascending home-slot order fill the table front to back, which is
  // how model files store them (loading then streams through memory
  // instead of missing the cache on every insert).
  static size_t HomeSlot(uint64_t key, size_t capacity) { return SlotKey(key) & (capacity - 1); }

  // Empties the table and sizes it for `n` entries.
  void Reset(size_t n) {
    const size_t cap = CapacityFor(n);
    slots_.assign(cap, Slot{0, 0, 0});
    mask_ = cap - 1;
    size_ = 0;
  }

  // Inserts or overwrites. REQUIRES: at most the `n` of Reset entries.
  void Insert(uint64_t key, uint32_t value) {
    const uint64_t k = SlotKey(key);
    for (size_t i = k & mask_;; i = (i + 1) & mask_) {
      if (slots_[i].key == 0) {
        slots_[i] = Slot{k, value, 0};
        ++size_;
        return;
      }
      if (slots_[i].key == k) {
        slots_[i].value = value;
        return;
      }
    }
  }

  // Replaces the contents.
  void Build(const std::vector<std::pair<uint64_t, uint32_t>>& entries) {
    Reset(entries.size());
    for (const auto& e : entries) Insert(e.first, e.second);
  }

  uint32_t Find(uint64_t key) const {
    if (slots_.empty()) return 0;
    const uint64_t k = SlotKey(key);
    for (size_t i = k & mask_;; i = (i + 1) & mask_) {
      const Slot& s = slots_[i];
      if (s.key == k) return s.value;
      if (s.key == 0) return 0;
    }
  }

  // Hints the CPU to fetch the slot of `key` (tables of several MB miss the
  // cache on most lookups; the keyword scorer issues these ahead of use).
  void Prefetch(uint64_t key) const {
    if (!slots_.empty()) __builtin_prefetch(&slots_[SlotKey(key) & mask_]);
  }

  size_t size() const { return size_; }

  // The entries, sorted by key.
  std::vector<std::pair<uint64_t, uint32_t>> SortedEntries() const;

 private:
  struct Slot {
    uint64_t key;
    uint32_t value;
    uint32_t pad;
  };
  std::vector<Slot> slots_;
  uint64_t mask_ = 0;
  size_t size_ = 0;
};

// A per-thread map from 64-bit keys to dense indices 0, 1, 2, ... in order of
// first insertion. Clear() is O(1) (a generation counter), so one index
// serves every article a thread processes without reallocating.
// Not thread-safe.
class ScratchIndex {
 public:
  ScratchIndex() { Rehash(256); }

  void Clear() {
    keys_.clear();
    if (++gen_ == 0) {  // wrapped: forget every old generation
      for (Slot& s : slots_) s.gen = 0;
      gen_ = 1;
    }
  }

  size_t size() const { return keys_.size(); }
  uint64_t key(uint32_t index) const { return keys_[index]; }

  // The index of `key`, inserting it as size() when absent (*inserted says
  // which happened).
  uint32_t Insert(uint64_t key, bool* inserted) {
    if ((keys_.size() + 1) * 2 > slots_.size()) Rehash(slots_.size() * 2);
    for (size_t i = key & mask_;; i = (i + 1) & mask_) {
      Slot& s = slots_[i];
      if (s.gen != gen_) {
        s = Slot{key, static_cast<uint32_t>(keys_.size()), gen_};
        keys_.push_back(key);
        *inserted = true;
        return s.index;
      }
      if (s.key == key) {
        *inserted = false;
        return s.index;
      }
    }
  }

  // The index of `key`, or -1.
  int64_t Find(uint64_t key) const {
    for (size_t i = key & mask_;; i = (i + 1) & mask_) {
      const Slot& s = slots_[i];
      if (s.gen != gen_) return -1;
      if (s.key == key) return s.index;
    }
  }

 private:
  struct Slot {
    uint64_t key;
    uint32_t index;
    uint32_t gen;
  };
  void Rehash(size_t cap) {
    slots_.assign(cap, Slot{0, 0, 0});
    mask_ = cap - 1;
    gen_ = 1;
    for (uint32_t idx = 0; idx < keys_.size(); ++idx) {
      for (size_t i = keys_[idx] & mask_;; i = (i + 1) & mask_) {
        if (slots_[i].gen != gen_) {
          slots_[i] = Slot{keys_[idx], idx, gen_};
          break;
        }
      }
    }
  }

  std::vector<Slot> slots_;
  std::vector<uint64_t> keys_;
  uint64_t mask_ = 0;
  uint32_t gen_ = 1;
};

}  // namespace internal
}  // namespace summarize
}  // namespace qalam

#endif  // QALAM_WORKERS_SUMMARIZE_HASH_TABLE_H_
