#include "common/json_writer.h"

#include "gtest/gtest.h"

namespace qalam {
namespace {

TEST(JsonWriter, EscapesQuotesBackslashesAndControls) {
  std::string out;
  AppendJsonString(&out, "a\"b\\c\nd\te\x01 \x1f");
  EXPECT_EQ(out, "\"a\\\"b\\\\c\\nd\\te\\u0001 \\u001f\"");
}

TEST(JsonWriter, KeepsUtf8AndNul) {
  std::string out;
  AppendJsonString(&out, absl::string_view("قطر\0x", 8));
  EXPECT_EQ(out, "\"قطر\\u0000x\"");
}

TEST(JsonWriter, NumbersAreShortAndDeterministic) {
  std::string out;
  AppendJsonDouble(&out, 0.93);
  out.push_back(' ');
  AppendJsonDouble(&out, 1.0);
  out.push_back(' ');
  AppendJsonDouble(&out, 0.00004);
  out.push_back(' ');
  AppendJsonDouble(&out, -0.00001);
  out.push_back(' ');
  AppendJsonDouble(&out, 1.0 / 0.0);
  out.push_back(' ');
  AppendJsonUint(&out, 0);
  out.push_back(' ');
  AppendJsonUint(&out, 18446744073709551615ULL);
  EXPECT_EQ(out, "0.93 1 0 0 0 0 18446744073709551615");
}

}  // namespace
}  // namespace qalam
