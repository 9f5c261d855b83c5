// The language identifier's model file: round trip, and refusal of
// truncated, corrupted and foreign files with errors that name the problem.
#include "workers/text/langid_model.h"

#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <fstream>
#include <sstream>
#include <string>

#include "absl/status/status.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "workers/text/langid.h"

namespace qalam {
namespace text {
namespace langid {
namespace {

using ::testing::HasSubstr;

std::string BundledPath() { return std::string(QALAM_SOURCE_DIR) + "/models/langid.bin"; }

std::string ReadBytes(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  std::stringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

void WriteBytes(const std::string& path, const std::string& bytes) {
  std::ofstream out(path, std::ios::binary | std::ios::trunc);
  out.write(bytes.data(), static_cast<std::streamsize>(bytes.size()));
}

std::string TempDir() {
  const char* t = std::getenv("TEST_TMPDIR");
  return t != nullptr ? t : "/tmp";
}

class LangidModelTest : public ::testing::Test {
 protected:
  void SetUp() override {
    bytes_ = ReadBytes(BundledPath());
    ASSERT_GT(bytes_.size(), 800000u) << "bundled model missing: " << BundledPath();
  }
  std::string bytes_;
};

TEST_F(LangidModelTest, BundledModelHasTheDocumentedShape) {
  auto m = ParseModel(bytes_);
  ASSERT_TRUE(m.ok()) << m.status();
  EXPECT_EQ(m->bits_lat, 16u);
  EXPECT_EQ(m->bits_ara, 16u);
  EXPECT_EQ(m->lat.size(), 7u << 16);
  EXPECT_EQ(m->ara.size(), 5u << 16);
  EXPECT_FLOAT_EQ(m->params.theta_lat, 0.15f);
  EXPECT_FLOAT_EQ(m->params.theta_ara, 0.20f);
  EXPECT_EQ(m->params.min_letters, 4u);
  const CharTable chars(*m);
  EXPECT_EQ(EntryClass(chars.Entry(' ')), kSpace);
  EXPECT_EQ(chars.Entry('A'), (uint32_t{kLatin} << 24) | 'a');
  EXPECT_EQ(chars.Entry(0x00C9), (uint32_t{kLatin} << 24) | 0x00E9);   // É -> é
  EXPECT_EQ(chars.Entry(0x0628), (uint32_t{kArabic} << 24) | 0x0628);  // beh
  EXPECT_EQ(chars.Entry(0xFE91), (uint32_t{kArabic} << 24) | 0x0628);  // beh initial form
  EXPECT_EQ(EntryClass(chars.Entry(0x064E)), kSkip);                   // fatha
  EXPECT_EQ(EntryClass(chars.Entry(0x0640)), kSkip);                   // tatweel
  EXPECT_EQ(EntryClass(chars.Entry(0x200C)), kSep);                    // ZWNJ
  EXPECT_EQ(EntryClass(chars.Entry(0x0663)), kSep);                    // Arabic-Indic 3
  EXPECT_EQ(EntryClass(chars.Entry(0x0416)), kOther);                  // Cyrillic
  EXPECT_EQ(EntryClass(chars.Entry(0x1F600)), kSep);                   // emoji
  EXPECT_EQ(EntryClass(chars.Entry(0x20000)), kOther);                 // CJK extension B
}

TEST_F(LangidModelTest, RoundTripIsByteExact) {
  auto m = ParseModel(bytes_);
  ASSERT_TRUE(m.ok()) << m.status();
  EXPECT_EQ(SerializeModel(*m), bytes_);
  auto again = ParseModel(SerializeModel(*m));
  ASSERT_TRUE(again.ok()) << again.status();
  EXPECT_TRUE(*again == *m);
}

TEST_F(LangidModelTest, RefusesTruncatedFiles) {
  for (size_t n : {size_t{0}, size_t{3}, size_t{7}, size_t{20}, size_t{31}, size_t{32}, size_t{100},
                   bytes_.size() / 2, bytes_.size() - 1}) {
    auto m = ParseModel(absl::string_view(bytes_).substr(0, n));
    ASSERT_FALSE(m.ok()) << n;
    EXPECT_EQ(m.status().code(), absl::StatusCode::kDataLoss) << n;
    EXPECT_THAT(m.status().message(), HasSubstr("truncated")) << n;
  }
}

TEST_F(LangidModelTest, RefusesTrailingBytes) {
  auto m = ParseModel(bytes_ + "x");
  ASSERT_FALSE(m.ok());
  EXPECT_EQ(m.status().code(), absl::StatusCode::kDataLoss);
  EXPECT_THAT(m.status().message(), HasSubstr("after the payload"));
}

TEST_F(LangidModelTest, RefusesCorruptedBytesByChecksum) {
  // One flipped bit anywhere in the payload: parameters, char table, tables.
  for (size_t off : {size_t{40}, size_t{200}, size_t{5000}, size_t{100000}, bytes_.size() - 1}) {
    std::string bad = bytes_;
    bad[off] = static_cast<char>(bad[off] ^ 0x04);
    auto m = ParseModel(bad);
    ASSERT_FALSE(m.ok()) << off;
    EXPECT_EQ(m.status().code(), absl::StatusCode::kDataLoss) << off;
    EXPECT_THAT(m.status().message(), HasSubstr("checksum mismatch")) << off;
  }
}

TEST_F(LangidModelTest, RefusesForeignFilesAndOtherVersions) {
  std::string bad = bytes_;
  bad[0] = 'X';
  auto m = ParseModel(bad);
  ASSERT_FALSE(m.ok());
  EXPECT_EQ(m.status().code(), absl::StatusCode::kInvalidArgument);
  EXPECT_THAT(m.status().message(), HasSubstr("bad magic"));

  // The research prototype's file was version 1.
  bad = bytes_;
  bad[4] = 1;
  m = ParseModel(bad);
  ASSERT_FALSE(m.ok());
  EXPECT_EQ(m.status().code(), absl::StatusCode::kInvalidArgument);
  EXPECT_THAT(m.status().message(), HasSubstr("unsupported model format version 1"));

  m = ParseModel("{\"not\": \"a model\"}");
  ASSERT_FALSE(m.ok());
  EXPECT_EQ(m.status().code(), absl::StatusCode::kInvalidArgument);
}

// A payload written by a buggy builder has a valid checksum; the loader must
// still refuse what the scanner cannot use safely.
TEST_F(LangidModelTest, RefusesInconsistentPayloads) {
  auto good = ParseModel(bytes_);
  ASSERT_TRUE(good.ok()) << good.status();

  struct Case {
    const char* expect;
    void (*corrupt)(Model*);
  };
  const Case cases[] = {
      {"page index", [](Model* m) { m->page_index[7] = 999; }},
      {"whitespace",
       [](Model* m) { m->pages[m->page_index[0] * 256 + 'a'] = uint32_t{kSpace} << 24; }},
      {"whitespace",
       [](Model* m) { m->pages[m->page_index[0] * 256 + ' '] = uint32_t{kSep} << 24; }},
      {"bad entry", [](Model* m) { m->pages[m->page_index[0] * 256 + 'b'] = 9u << 24; }},
      {"n-gram weights", [](Model* m) { m->params.w_lower = 0; }},
      {"slope", [](Model* m) { m->params.slope_lat = -1; }},
      {"threshold", [](Model* m) { m->params.theta_ara = std::nanf(""); }},
      {"table step", [](Model* m) { m->step_ara[2] = -0.5f; }},
      {"table bits", [](Model* m) { m->bits_lat = 30; }},
      {"truncated payload", [](Model* m) { m->lat.resize(m->lat.size() - 7); }},
      {"bytes left", [](Model* m) { m->ara.push_back(0); }},
  };
  for (const Case& c : cases) {
    Model m = *good;
    c.corrupt(&m);
    auto parsed = ParseModel(SerializeModel(m));
    ASSERT_FALSE(parsed.ok()) << c.expect;
    EXPECT_EQ(parsed.status().code(), absl::StatusCode::kDataLoss) << c.expect;
    EXPECT_THAT(parsed.status().message(), HasSubstr(c.expect));
  }
}

TEST_F(LangidModelTest, LoadNamesTheFileInItsErrors) {
  auto missing = LanguageIdentifier::Load("/nonexistent/langid.bin");
  ASSERT_FALSE(missing.ok());
  EXPECT_EQ(missing.status().code(), absl::StatusCode::kNotFound);
  EXPECT_THAT(missing.status().message(), HasSubstr("/nonexistent/langid.bin"));

  const std::string path = TempDir() + "/langid_truncated_test.bin";
  WriteBytes(path, bytes_.substr(0, 1000));
  auto truncated = LanguageIdentifier::Load(path);
  ASSERT_FALSE(truncated.ok());
  EXPECT_EQ(truncated.status().code(), absl::StatusCode::kDataLoss);
  EXPECT_THAT(truncated.status().message(), HasSubstr(path));
  EXPECT_THAT(truncated.status().message(), HasSubstr("truncated"));
  std::remove(path.c_str());

  auto ok = LanguageIdentifier::Load(BundledPath());
  ASSERT_TRUE(ok.ok()) << ok.status();
  EXPECT_STREQ((*ok)->Identify("Police said the man was arrested late last night.").code(), "en");
}

TEST_F(LangidModelTest, FromBytesAndFromModelAgreeWithLoad) {
  auto a = LanguageIdentifier::FromBytes(bytes_);
  ASSERT_TRUE(a.ok()) << a.status();
  auto m = ParseModel(bytes_);
  ASSERT_TRUE(m.ok());
  auto b = LanguageIdentifier::FromModel(*std::move(m));
  for (const char* s : {"Stocks fell sharply on Monday.", "أعلنت الحكومة اليوم عن خطة جديدة.",
                        "Heute regnet es in Berlin."}) {
    EXPECT_EQ((*a)->Identify(s).confidence, b->Identify(s).confidence) << s;
  }
}

TEST(LangidDefaultModelPath, PrefersQalamModelDir) {
  const std::string dir = TempDir() + "/langid_model_dir_test";
  std::string cmd = "mkdir -p " + dir;
  ASSERT_EQ(std::system(cmd.c_str()), 0);
  WriteBytes(dir + "/langid.bin", ReadBytes(BundledPath()));
  ASSERT_EQ(setenv("QALAM_MODEL_DIR", dir.c_str(), 1), 0);
  auto p = LanguageIdentifier::DefaultModelPath();
  ASSERT_TRUE(p.ok()) << p.status();
  EXPECT_EQ(*p, dir + "/langid.bin");

  // Without the file there, the next candidates (next to the executable, or
  // the source tree) still find the bundled model.
  std::remove((dir + "/langid.bin").c_str());
  p = LanguageIdentifier::DefaultModelPath();
  ASSERT_TRUE(p.ok()) << p.status();
  EXPECT_THAT(*p, ::testing::EndsWith("models/langid.bin"));
  auto id = LanguageIdentifier::Load(*p);
  EXPECT_TRUE(id.ok()) << id.status();
  ASSERT_EQ(unsetenv("QALAM_MODEL_DIR"), 0);
}

TEST(LangidScan, SpaceLengthMatchesTheWhitespaceSet) {
  // Every code point, encoded: SpaceLength recognises exactly the format's
  // whitespace, and never inside a longer sequence.
  for (uint32_t cp = 0; cp < 0x10000; ++cp) {
    if (cp >= 0xD800 && cp <= 0xDFFF) continue;
    unsigned char buf[4];
    int n;
    if (cp < 0x80) {
      buf[0] = static_cast<unsigned char>(cp);
      n = 1;
    } else if (cp < 0x800) {
      buf[0] = static_cast<unsigned char>(0xC0 | (cp >> 6));
      buf[1] = static_cast<unsigned char>(0x80 | (cp & 0x3F));
      n = 2;
    } else {
      buf[0] = static_cast<unsigned char>(0xE0 | (cp >> 12));
      buf[1] = static_cast<unsigned char>(0x80 | ((cp >> 6) & 0x3F));
      buf[2] = static_cast<unsigned char>(0x80 | (cp & 0x3F));
      n = 3;
    }
    const int len = SpaceLength(buf, buf + n);
    EXPECT_EQ(len, IsSpaceCodePoint(cp) ? n : 0) << std::hex << cp;
    const unsigned char* p = buf;
    EXPECT_EQ(NextCodePoint(&p, buf + n), cp);
    EXPECT_EQ(p, buf + n);
  }
}

}  // namespace
}  // namespace langid
}  // namespace text
}  // namespace qalam
