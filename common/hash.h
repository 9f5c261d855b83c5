// Stable 64-bit hashing for feature hashing and model files.
//
// These functions are part of the model file format: a model trained today
// must hash features the same way in every later version. Never change the
// constants or the algorithm; add a new function instead and bump the model
// format version. Bytes are read little-endian explicitly, so the result does
// not depend on the host's byte order.
#ifndef QALAM_COMMON_HASH_H_
#define QALAM_COMMON_HASH_H_

#include <cstddef>
#include <cstdint>
#include <cstring>

#include "absl/strings/string_view.h"

namespace qalam {

inline constexpr uint64_t kHashK0 = 0x9E3779B97F4A7C15ULL;
inline constexpr uint64_t kHashK1 = 0xC2B2AE3D27D4EB4FULL;

inline uint64_t Rotl64(uint64_t x, int r) { return (x << r) | (x >> (64 - r)); }

// MurmurHash3's 64-bit finaliser: a bijection with good avalanche.
inline uint64_t Fmix64(uint64_t k) {
  k ^= k >> 33;
  k *= 0xFF51AFD7ED558CCDULL;
  k ^= k >> 33;
  k *= 0xC4CEB9FE1A85EC53ULL;
  k ^= k >> 33;
  return k;
}

// Eight bytes at p as a little-endian integer (compiles to one load on
// little-endian hosts).
inline uint64_t LoadLe64(const unsigned char* p) {
  uint64_t v;
  std::memcpy(&v, p, 8);
#if defined(__BYTE_ORDER__) && __BYTE_ORDER__ == __ORDER_BIG_ENDIAN__
  v = __builtin_bswap64(v);
#endif
  return v;
}

inline constexpr uint64_t kHashK2 = 0x165667B19E3779F9ULL;
inline constexpr uint64_t kHashK3 = 0xD6E8FEB86659FD93ULL;

// 64x64 -> 128-bit multiply, folded: the mixing step of wyhash-style
// hashes. One multiply instruction, so a short token hashes in a few cycles.
inline uint64_t HashMum(uint64_t a, uint64_t b) {
  const unsigned __int128 r = static_cast<unsigned __int128>(a) * b;
  return static_cast<uint64_t>(r) ^ static_cast<uint64_t>(r >> 64);
}

// The first `n` (0..8) bytes at p as a little-endian integer, zero-extended.
// Never reads beyond p + n. Without a loop: 4..8 bytes as two overlapping
// 4-byte loads (the bytes they share are equal, so or-ing them is exact),
// 1..3 bytes as the first, middle and last byte.
inline uint64_t LoadLeUpTo8(const unsigned char* p, size_t n) {
  if (n >= 4) {
    if (n == 8) return LoadLe64(p);
    uint32_t lo, hi;
    std::memcpy(&lo, p, 4);
    std::memcpy(&hi, p + n - 4, 4);
#if defined(__BYTE_ORDER__) && __BYTE_ORDER__ == __ORDER_BIG_ENDIAN__
    lo = __builtin_bswap32(lo);
    hi = __builtin_bswap32(hi);
#endif
    return uint64_t{lo} | (uint64_t{hi} << (8 * (n - 4)));
  }
  if (n == 0) return 0;
  return uint64_t{p[0]} | (uint64_t{p[n >> 1]} << (8 * (n >> 1))) |
         (uint64_t{p[n - 1]} << (8 * (n - 1)));
}

// Hashes `len` bytes at `data` with `seed`. Definition: sixteen bytes per
// step (two little-endian words) while more than 16 remain; then the last
// 0..16 bytes as two little-endian words of up to 8 bytes, zero-extended
// (the second is 0 when 8 or fewer remain); each step and the end fold a
// 128-bit product. Hash64Padded computes the same value faster when the
// bytes after the input may be read.
inline uint64_t Hash64(const void* data, size_t len, uint64_t seed = 0) {
  const unsigned char* p = static_cast<const unsigned char*>(data);
  uint64_t h = seed ^ kHashK0;
  const uint64_t total = len;
  while (len > 16) {
    h = HashMum(LoadLe64(p) ^ kHashK1, LoadLe64(p + 8) ^ h);
    p += 16;
    len -= 16;
  }
  const size_t n0 = len < 8 ? len : 8;
  const uint64_t a = LoadLeUpTo8(p, n0);
  const uint64_t b = LoadLeUpTo8(p + n0, len - n0);
  return HashMum(HashMum(a ^ kHashK1, b ^ h) ^ total ^ kHashK2, kHashK3);
}

// For a tail of `len` (0..16) bytes read as two little-endian words: the
// masks that keep its bytes (lo: bytes 0..7, hi: bytes 8..15).
struct HashTailMasks {
  uint64_t lo[17];
  uint64_t hi[17];
  constexpr HashTailMasks() : lo(), hi() {
    for (int n = 0; n <= 16; ++n) {
      const int n0 = n < 8 ? n : 8;
      const int n1 = n - n0;
      lo[n] = n0 == 8 ? ~uint64_t{0} : (uint64_t{1} << (8 * n0)) - 1;
      hi[n] = n1 == 8 ? ~uint64_t{0} : (uint64_t{1} << (8 * n1)) - 1;
    }
  }
};
inline constexpr HashTailMasks kHashTailMasks;

// Hash64 for input followed by at least 16 readable bytes (the text core's
// arena guarantees that for its normalised forms): the tail is read with two
// whole-word loads and masked, without a loop or a branch on the length.
inline uint64_t Hash64Padded(const void* data, size_t len, uint64_t seed = 0) {
  const unsigned char* p = static_cast<const unsigned char*>(data);
  uint64_t h = seed ^ kHashK0;
  const uint64_t total = len;
  while (len > 16) {
    h = HashMum(LoadLe64(p) ^ kHashK1, LoadLe64(p + 8) ^ h);
    p += 16;
    len -= 16;
  }
  // Masks from a table: computing them took branches that mispredicted.
  const uint64_t a = LoadLe64(p) & kHashTailMasks.lo[len];
  const uint64_t b = LoadLe64(p + 8) & kHashTailMasks.hi[len];
  return HashMum(HashMum(a ^ kHashK1, b ^ h) ^ total ^ kHashK2, kHashK3);
}

// Hash64 of a string of at most 16 bytes held in registers: `a` holds bytes
// 0..7 and `b` bytes 8..15 as little-endian words, zero beyond `len`.
inline uint64_t Hash64Short(uint64_t a, uint64_t b, size_t len, uint64_t seed = 0) {
  return HashMum(HashMum(a ^ kHashK1, b ^ (seed ^ kHashK0)) ^ static_cast<uint64_t>(len) ^ kHashK2,
                 kHashK3);
}

// Hash64 in pieces, for callers that hold the bytes in registers:
//   h = kHashK0 ^ seed;
//   h = Hash64Block(a, b, h);  // for each 16 bytes while more than 16 remain
//   return Hash64Finish(a, b, h, len);  // the last 0..16, zero-extended
// where a and b are the little-endian words of the 16 bytes.
inline uint64_t Hash64Block(uint64_t a, uint64_t b, uint64_t h) {
  return HashMum(a ^ kHashK1, b ^ h);
}
inline uint64_t Hash64Finish(uint64_t a, uint64_t b, uint64_t h, uint64_t len) {
  return HashMum(HashMum(a ^ kHashK1, b ^ h) ^ len ^ kHashK2, kHashK3);
}

inline uint64_t Hash64(absl::string_view s, uint64_t seed = 0) {
  return Hash64(s.data(), s.size(), seed);
}

// Combines two hashes into one (order matters): for word bigrams and for
// namespacing feature families.
inline uint64_t HashCombine(uint64_t a, uint64_t b) {
  return Fmix64(a * kHashK0 + Rotl64(b, 17) + kHashK1);
}

}  // namespace qalam

#endif  // QALAM_COMMON_HASH_H_
