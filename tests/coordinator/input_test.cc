#include "coordinator/input.h"

#include <unistd.h>
#include <zlib.h>
#include <zstd.h>

#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <string>
#include <vector>

#include "gmock/gmock.h"
#include "gtest/gtest.h"

namespace qalam {
namespace {

namespace fs = std::filesystem;
using ::testing::ElementsAre;
using ::testing::HasSubstr;

class InputTest : public ::testing::Test {
 protected:
  void SetUp() override {
    char tmpl[] = "/tmp/qalam_input_XXXXXX";
    ASSERT_NE(mkdtemp(tmpl), nullptr);
    dir_ = tmpl;
  }
  void TearDown() override { fs::remove_all(dir_); }

  std::string Write(const std::string& name, const std::string& data) {
    std::string path = dir_ + "/" + name;
    fs::create_directories(fs::path(path).parent_path());
    std::ofstream(path, std::ios::binary) << data;
    return path;
  }
  std::string WriteGzip(const std::string& name, const std::string& data) {
    std::string path = dir_ + "/" + name;
    gzFile f = gzopen(path.c_str(), "wb");
    gzwrite(f, data.data(), static_cast<unsigned>(data.size()));
    gzclose(f);
    return path;
  }
  std::string WriteZstd(const std::string& name, const std::string& data) {
    std::string out(ZSTD_compressBound(data.size()), '\0');
    size_t n = ZSTD_compress(out.data(), out.size(), data.data(), data.size(), 3);
    out.resize(n);
    return Write(name, out);
  }
  static void Truncate(const std::string& path, size_t keep) { fs::resize_file(path, keep); }

  struct Got {
    std::vector<std::string> data;
    std::vector<uint64_t> lines;
    std::vector<std::string> errors;
    std::vector<std::string> ids;
  };
  Got ReadAll(const std::vector<std::string>& inputs, InputOptions o = InputOptions()) {
    Got g;
    auto r = InputReader::Open(inputs, o);
    EXPECT_TRUE(r.ok()) << r.status();
    if (!r.ok()) return g;
    InputRecord rec;
    while ((*r)->Next(&rec)) {
      if (rec.error.ok()) {
        g.data.push_back(std::string(rec.text));
        g.lines.push_back(rec.line);
        g.ids.push_back(rec.id);
      } else {
        g.errors.push_back((*r)->files()[rec.file_index] + ":" + std::to_string(rec.line) + ": " +
                           std::string(rec.error.message()));
      }
    }
    return g;
  }

  std::string dir_;
};

TEST_F(InputTest, PlainJsonlWithBomCrlfAndBlankLines) {
  std::string p = Write("a.jsonl", "\xEF\xBB\xBF{\"text\":\"1\"}\r\n\r\n  \n{\"text\":\"2\"}\n{\"text\":\"3\"}");
  Got g = ReadAll({p});
  EXPECT_THAT(g.data, ElementsAre("{\"text\":\"1\"}", "{\"text\":\"2\"}", "{\"text\":\"3\"}"));
  EXPECT_THAT(g.lines, ElementsAre(1, 4, 5));
  EXPECT_TRUE(g.errors.empty());
}

TEST_F(InputTest, GzipAndZstdStreams) {
  std::string body;
  for (int i = 0; i < 50000; ++i) body += "{\"text\":\"line " + std::to_string(i) + "\"}\n";
  Got gz = ReadAll({WriteGzip("a.jsonl.gz", body)});
  ASSERT_EQ(gz.data.size(), 50000u);
  EXPECT_EQ(gz.data[49999], "{\"text\":\"line 49999\"}");
  EXPECT_TRUE(gz.errors.empty());
  Got zs = ReadAll({WriteZstd("a.jsonl.zst", body)});
  ASSERT_EQ(zs.data.size(), 50000u);
  EXPECT_EQ(zs.data[123], "{\"text\":\"line 123\"}");
  EXPECT_TRUE(zs.errors.empty());
}

TEST_F(InputTest, TruncatedCompressedStreamsAreReportedAndReadingGoesOn) {
  std::string body;
  for (int i = 0; i < 20000; ++i) body += "{\"text\":\"some text number " + std::to_string(i) + "\"}\n";
  std::string gz = WriteGzip("t.jsonl.gz", body);
  Truncate(gz, fs::file_size(gz) / 2);
  std::string zs = WriteZstd("t.jsonl.zst", body);
  Truncate(zs, fs::file_size(zs) / 2);
  std::string after = Write("after.jsonl", "{\"text\":\"still read\"}\n");
  Got g = ReadAll({gz, zs, after});
  ASSERT_EQ(g.errors.size(), 2u);
  EXPECT_THAT(g.errors[0], HasSubstr("truncated gzip stream"));
  EXPECT_THAT(g.errors[1], HasSubstr("truncated zstd stream"));
  EXPECT_EQ(g.data.back(), "{\"text\":\"still read\"}");
  EXPECT_GT(g.data.size(), 1000u);  // the lines before the cut were read
}

TEST_F(InputTest, CorruptGzipIsReported) {
  std::string p = Write("bad.jsonl.gz", "\x1f\x8bthis is not deflate data at all............");
  Got g = ReadAll({p});
  ASSERT_EQ(g.errors.size(), 1u);
  EXPECT_THAT(g.errors[0], HasSubstr("gzip"));
}

TEST_F(InputTest, OversizedLineBecomesAnErrorAndIsSkipped) {
  InputOptions o;
  o.max_record_bytes = 1000;
  std::string big(5u << 20, 'x');  // 5 MiB, larger than the read buffer
  std::string p = Write("big.jsonl", "{\"text\":\"a\"}\n" + big + "\n{\"text\":\"b\"}\n");
  Got g = ReadAll({p}, o);
  EXPECT_THAT(g.data, ElementsAre("{\"text\":\"a\"}", "{\"text\":\"b\"}"));
  EXPECT_THAT(g.lines, ElementsAre(1, 3));
  ASSERT_EQ(g.errors.size(), 1u);
  EXPECT_THAT(g.errors[0], HasSubstr(":2: record of 5242880 bytes exceeds the limit of 1000"));
}

TEST_F(InputTest, FoldersOfTextFilesInPathOrder) {
  Write("corpus/b.txt", "second");
  Write("corpus/a.txt", "first");
  Write("corpus/sub/c.txt", "third");
  Write("corpus/ignored.json", "{}");
  Got g = ReadAll({dir_ + "/corpus"});
  EXPECT_THAT(g.data, ElementsAre("first", "second", "third"));
  EXPECT_THAT(g.ids, ElementsAre("a", "b", "sub/c"));
}

TEST_F(InputTest, MissingInputIsAnErrorBeforeReading) {
  auto r = InputReader::Open({dir_ + "/nope.jsonl"});
  EXPECT_EQ(r.status().code(), absl::StatusCode::kNotFound);
  EXPECT_EQ(InputReader::Open({}).status().code(), absl::StatusCode::kInvalidArgument);
}

TEST_F(InputTest, EmptyFileHasNoRecords) {
  Got g = ReadAll({Write("empty.jsonl", "")});
  EXPECT_TRUE(g.data.empty());
  EXPECT_TRUE(g.errors.empty());
}

TEST_F(InputTest, CountsBytes) {
  std::string p = Write("c.jsonl", "{\"text\":\"1\"}\n");
  auto r = InputReader::Open({p});
  ASSERT_TRUE(r.ok());
  EXPECT_EQ((*r)->bytes_total(), 13u);
  InputRecord rec;
  while ((*r)->Next(&rec)) {
  }
  EXPECT_EQ((*r)->bytes_read(), 13u);
}

}  // namespace
}  // namespace qalam
