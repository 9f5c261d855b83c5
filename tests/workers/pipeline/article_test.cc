#include "workers/pipeline/article.h"

#include <string>

#include "gmock/gmock.h"
#include "gtest/gtest.h"

namespace qalam {
namespace {

using ::testing::HasSubstr;

class ArticleParserTest : public ::testing::Test {
 protected:
  absl::Status Parse(absl::string_view line, uint64_t line_no = 7) {
    return parser_.Parse(line, line_no, &article_, &id_);
  }
  ArticleParser parser_{ArticleFields(), ArticleLimits()};
  ArticleView article_;
  std::string id_;
};

TEST_F(ArticleParserTest, ReadsTheContractFields) {
  ASSERT_TRUE(Parse(R"({"id":"a1","title":"عنوان","text":"نص \"مقتبس\"\n","lang":"ar","x":[1]})").ok());
  EXPECT_EQ(article_.id, "a1");
  EXPECT_EQ(article_.title, "عنوان");
  EXPECT_EQ(article_.text, "نص \"مقتبس\"\n");
  EXPECT_EQ(article_.lang_hint, "ar");
}

TEST_F(ArticleParserTest, MissingIdBecomesLineNumberAndNumbersAreAccepted) {
  ASSERT_TRUE(Parse(R"({"text":"x"})", 17).ok());
  EXPECT_EQ(article_.id, "line-17");
  ASSERT_TRUE(Parse(R"({"id":42,"text":"x"})").ok());
  EXPECT_EQ(article_.id, "42");
  ASSERT_TRUE(Parse(R"({"id":null,"text":"x"})", 3).ok());
  EXPECT_EQ(article_.id, "line-3");
}

TEST_F(ArticleParserTest, RenamedFields) {
  ArticleFields f;
  f.text = "body";
  f.id = "uid";
  f.title = "headline";
  ArticleParser p(f, ArticleLimits());
  ArticleView a;
  ASSERT_TRUE(p.Parse(R"({"uid":"u","body":"b","headline":"h","text":"ignored"})", 1, &a).ok());
  EXPECT_EQ(a.id, "u");
  EXPECT_EQ(a.text, "b");
  EXPECT_EQ(a.title, "h");
}

TEST_F(ArticleParserTest, BadRecordsGetClearErrors) {
  struct Case {
    std::string line;
    std::string message;
  } cases[] = {
      {R"({"id":"a","text":"x")", "malformed JSON"},
      {R"(not json)", "malformed JSON"},
      {R"(["text"])", "not a JSON object"},
      {R"({"id":"a"})", "no \"text\" field"},
      {R"({"id":"a","text":5})", "\"text\" is not a string"},
      {R"({"id":"a","text":{"nested":"x"}})", "\"text\" is not a string"},
      {R"({"id":{"x":1},"text":"x"})", "\"id\" is not a string or an integer"},
      {R"({"id":"a","text":"x","title":7})", "\"title\" is not a string"},
      {R"({"id":"a","text":"   \n "})", "empty text"},
      {R"({"id":"a","text":""})", "empty text"},
      {std::string("{\"id\":\"a\",\"text\":\"ab\xFF\"}"), "invalid UTF-8 at byte 20 of the record"},
      {std::string(5000, '[') + std::string(5000, ']'), "malformed JSON"},
  };
  for (const Case& c : cases) {
    absl::Status s = Parse(c.line);
    EXPECT_EQ(s.code(), absl::StatusCode::kInvalidArgument) << c.line.substr(0, 60);
    EXPECT_THAT(std::string(s.message()), HasSubstr(c.message)) << c.line.substr(0, 60);
  }
}

TEST_F(ArticleParserTest, ErrorsStillNameTheArticle) {
  EXPECT_FALSE(Parse(R"({"id":"named","text":7})").ok());
  EXPECT_EQ(id_, "named");
  EXPECT_FALSE(Parse(R"({"text":7})", 9).ok());
  EXPECT_EQ(id_, "line-9");
}

TEST_F(ArticleParserTest, EnforcesTheSizeLimit) {
  ArticleLimits limits;
  limits.max_text_bytes = 10;
  ArticleParser p(ArticleFields(), limits);
  ArticleView a;
  absl::Status s = p.Parse(R"({"text":"01234567890"})", 1, &a);
  EXPECT_THAT(std::string(s.message()), HasSubstr("exceeds the limit of 10"));
  EXPECT_TRUE(p.Parse(R"({"text":"0123456789"})", 1, &a).ok());
}

TEST_F(ArticleParserTest, ReplacesInvalidUtf8WhenAsked) {
  ArticleLimits limits;
  limits.replace_invalid_utf8 = true;
  ArticleParser p(ArticleFields(), limits);
  ArticleView a;
  ASSERT_TRUE(p.Parse("{\"text\":\"ab\xFF" "c\"}", 1, &a).ok());
  EXPECT_EQ(a.text, "ab\xEF\xBF\xBD" "c");
}

TEST_F(ArticleParserTest, NulAndEscapesInText) {
  ASSERT_TRUE(Parse(R"({"text":"a\u0000b\u0642"})").ok());
  EXPECT_EQ(article_.text, absl::string_view("a\0bق", 5));
}

TEST(ValidateArticleText, ChecksUtf8SizeAndBlank) {
  ArticleLimits limits;
  EXPECT_TRUE(ValidateArticleText("نص", limits).ok());
  EXPECT_EQ(ValidateArticleText("a\xC0", limits).message(), "invalid UTF-8 at byte 1");
  EXPECT_EQ(ValidateArticleText("\n", limits).message(), "empty text");
}

}  // namespace
}  // namespace qalam
