#include "common/hash.h"

#include <set>
#include <string>

#include "gtest/gtest.h"

namespace qalam {
namespace {

// The hash is part of the model file format: these values must never change.
TEST(Hash64, IsStableAcrossVersions) {
  // Values of the first release; a change here breaks every model file.
  EXPECT_EQ(Hash64("qalam"), 8139068160445711999ULL);
  EXPECT_EQ(Hash64("قلم"), 13661653703586329525ULL);
  EXPECT_EQ(Hash64("a longer string of 27 bytes"), 3997954653552322492ULL);
  EXPECT_EQ(HashCombine(1, 2), 1855449580567471396ULL);
  EXPECT_EQ(Hash64(""), Hash64(absl::string_view()));
  EXPECT_NE(Hash64("qalam", 1), Hash64("qalam"));
}

TEST(Hash64, PaddedVersionGivesTheSameValues) {
  std::string buf(200, '\0');
  for (size_t i = 0; i < buf.size(); ++i) buf[i] = static_cast<char>(i * 131 + 7);
  for (size_t off = 0; off < 9; ++off) {
    for (size_t len = 0; len + off + 16 <= buf.size(); ++len) {
      ASSERT_EQ(Hash64(buf.data() + off, len, 3), Hash64Padded(buf.data() + off, len, 3))
          << off << " " << len;
    }
  }
}

TEST(Hash64, DistinguishesLengthsAndTails) {
  std::set<uint64_t> seen;
  std::string s;
  for (int i = 0; i < 40; ++i) {
    seen.insert(Hash64(s));
    s.push_back('\0');
  }
  EXPECT_EQ(seen.size(), 40u);  // zero bytes of different lengths differ
  EXPECT_NE(Hash64("abcdefgh1"), Hash64("abcdefgh2"));
  EXPECT_NE(HashCombine(1, 2), HashCombine(2, 1));
}

}  // namespace
}  // namespace qalam
