#include "workers/text/utf8.h"

#include <string>
#include <vector>

#include "gmock/gmock.h"
#include "gtest/gtest.h"

namespace qalam {
namespace text {
namespace {

using ::testing::ElementsAre;

TEST(Utf8, AcceptsValidText) {
  EXPECT_TRUE(ValidateUtf8("").ok());
  EXPECT_TRUE(ValidateUtf8("plain ASCII, long enough for the 8-byte path").ok());
  EXPECT_TRUE(ValidateUtf8("تشهد العلاقات الأمنية بين قطر والولايات المتحدة").ok());
  EXPECT_TRUE(ValidateUtf8("\xF0\x9F\x98\x80 emoji and \xEF\xBF\xBF").ok());
  EXPECT_TRUE(ValidateUtf8(absl::string_view("nul\0inside", 10)).ok());
}

TEST(Utf8, NamesTheFirstBadByte) {
  absl::Status s = ValidateUtf8("abc\xFF" "def");
  EXPECT_EQ(s.code(), absl::StatusCode::kInvalidArgument);
  EXPECT_EQ(s.message(), "invalid UTF-8 at byte 3");
  EXPECT_EQ(FindInvalidUtf8("قطر\x80"), 6u);
}

TEST(Utf8, RejectsEveryIllFormedClass) {
  const char* bad[] = {
      "\xC0\x80",          // overlong NUL
      "\xC1\xBF",          // overlong
      "\xE0\x80\x80",      // overlong 3-byte
      "\xED\xA0\x80",      // surrogate D800
      "\xF4\x90\x80\x80",  // above U+10FFFF
      "\xF5\x80\x80\x80",  // invalid lead
      "\x80",              // stray continuation
      "\xD9",              // truncated at end
      "\xE2\x82",          // truncated 3-byte
      "\xF0\x9F\x98",      // truncated 4-byte
  };
  for (const char* b : bad) {
    std::string s = std::string("0123456789") + b;
    EXPECT_EQ(FindInvalidUtf8(s), 10u) << "case " << b;
  }
}

TEST(Utf8, ReplacesMaximalSubpartsWithReplacementCharacter) {
  std::string out;
  EXPECT_EQ(ReplaceInvalidUtf8("a\xFF" "b\xE2\x82" "c", &out), 2u);
  EXPECT_EQ(out, "a\xEF\xBF\xBD" "b\xEF\xBF\xBD" "c");
  EXPECT_TRUE(ValidateUtf8(out).ok());
  EXPECT_EQ(ReplaceInvalidUtf8("ok", &out), 0u);
  EXPECT_EQ(out, "ok");
}

TEST(Utf8, ConvertsOffsetsToUtf16AndCodePoints) {
  // "aق😀b": a (1 byte), ق (2 bytes), 😀 (4 bytes, 2 UTF-16 units), b.
  std::string t = "a\xD9\x82\xF0\x9F\x98\x80" "b";
  std::vector<uint32_t> off = {0, 1, 3, 7, 8};
  std::vector<uint32_t> cp = off;
  ConvertOffsets(t, OffsetUnit::kCodePoint, &cp);
  EXPECT_THAT(cp, ElementsAre(0, 1, 2, 3, 4));
  std::vector<uint32_t> u16 = off;
  ConvertOffsets(t, OffsetUnit::kUtf16, &u16);
  EXPECT_THAT(u16, ElementsAre(0, 1, 2, 4, 5));
  std::vector<uint32_t> unsorted = {8, 0, 3};
  ConvertOffsets(t, OffsetUnit::kCodePoint, &unsorted);
  EXPECT_THAT(unsorted, ElementsAre(4, 0, 2));
}

TEST(Utf8, ParsesOffsetUnitNames) {
  OffsetUnit u;
  EXPECT_TRUE(ParseOffsetUnit("utf16", &u).ok());
  EXPECT_EQ(u, OffsetUnit::kUtf16);
  EXPECT_TRUE(ParseOffsetUnit("codepoint", &u).ok());
  EXPECT_EQ(u, OffsetUnit::kCodePoint);
  EXPECT_EQ(ParseOffsetUnit("latin1", &u).code(), absl::StatusCode::kInvalidArgument);
}

}  // namespace
}  // namespace text
}  // namespace qalam
