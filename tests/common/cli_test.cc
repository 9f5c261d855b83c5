#include "common/cli.h"

#include <string>
#include <vector>

#include "gmock/gmock.h"
#include "gtest/gtest.h"

namespace qalam {
namespace {

using ::testing::ElementsAre;
using ::testing::HasSubstr;

struct Args {
  explicit Args(std::vector<std::string> a) : storage(std::move(a)) {
    for (std::string& s : storage) ptrs.push_back(s.data());
  }
  int argc() { return static_cast<int>(ptrs.size()); }
  char** argv() { return ptrs.data(); }
  std::vector<std::string> storage;
  std::vector<char*> ptrs;
};

TEST(FlagSet, ParsesAllForms) {
  std::string out = "def";
  int64_t k = 3;
  bool quiet = false;
  double r = 0.5;
  std::vector<std::string> data = {"x"};
  FlagSet f("prog cmd", "desc");
  f.String("output", &out, "where", "FILE", 'o');
  f.Int("k", &k, "count");
  f.Bool("quiet", &quiet, "shh");
  f.Double("ratio", &r, "ratio");
  f.StringList("data", &data, "inputs");
  Args a({"prog", "cmd", "-o", "dir", "--k=7", "in1", "--quiet", "--ratio", "0.25",
          "--data", "a", "--data=b", "--", "--not-a-flag", "-"});
  std::vector<std::string> pos;
  ASSERT_TRUE(f.Parse(a.argc(), a.argv(), 2, &pos).ok());
  EXPECT_EQ(out, "dir");
  EXPECT_EQ(k, 7);
  EXPECT_TRUE(quiet);
  EXPECT_DOUBLE_EQ(r, 0.25);
  EXPECT_THAT(data, ElementsAre("a", "b"));
  EXPECT_THAT(pos, ElementsAre("in1", "--not-a-flag", "-"));
}

TEST(FlagSet, NegatedBoolAndExplicitValue) {
  bool v = true;
  FlagSet f("p", "");
  f.Bool("resume", &v, "r");
  Args a({"p", "--no-resume"});
  std::vector<std::string> pos;
  ASSERT_TRUE(f.Parse(a.argc(), a.argv(), 1, &pos).ok());
  EXPECT_FALSE(v);
  Args b({"p", "--resume=true"});
  ASSERT_TRUE(f.Parse(b.argc(), b.argv(), 1, &pos).ok());
  EXPECT_TRUE(v);
}

TEST(FlagSet, RejectsUnknownMissingAndMalformed) {
  int64_t k = 0;
  FlagSet f("p", "");
  f.Int("k", &k, "count");
  std::vector<std::string> pos;
  Args unknown({"p", "--bogus"});
  absl::Status s = f.Parse(unknown.argc(), unknown.argv(), 1, &pos);
  EXPECT_EQ(s.code(), absl::StatusCode::kInvalidArgument);
  EXPECT_THAT(std::string(s.message()), HasSubstr("--bogus"));
  Args missing({"p", "--k"});
  EXPECT_THAT(std::string(f.Parse(missing.argc(), missing.argv(), 1, &pos).message()),
              HasSubstr("needs a value"));
  Args bad({"p", "--k=seven"});
  EXPECT_THAT(std::string(f.Parse(bad.argc(), bad.argv(), 1, &pos).message()),
              HasSubstr("expected an integer"));
}

TEST(FlagSet, HelpListsFlagsWithDefaults) {
  int64_t k = 3;
  FlagSet f("qalam annotate [FLAGS]", "Annotates.");
  f.Int("summary-sentences", &k, "sentences per summary", "K");
  Args a({"p", "--help"});
  std::vector<std::string> pos;
  ASSERT_TRUE(f.Parse(a.argc(), a.argv(), 1, &pos).ok());
  EXPECT_TRUE(f.help_requested());
  std::string h = f.Help();
  EXPECT_THAT(h, HasSubstr("usage: qalam annotate"));
  EXPECT_THAT(h, HasSubstr("--summary-sentences K"));
  EXPECT_THAT(h, HasSubstr("[default: 3]"));
}

}  // namespace
}  // namespace qalam
