// Fuzzes the topic model loader (TopicModel::Parse): damaged files are
// refused with an error, never a crash or an out-of-bounds read (ASan checks
// the reads), and a file it accepts predicts probabilities in [0, 1] and
// serialises to a file it accepts again.
//
// Random bytes would almost always stop at the magic or the checksum, so
// the input is used in one of two ways, picked by its first byte:
//   even: XOR patches (2-byte offset, 1-byte mask) over a small valid model
//         built here, reaching the checks behind the checksum (with a
//         neighbour member, format version 2, when the first byte's second
//         bit is set; version 1 otherwise);
//   odd:  the rest of the input is the file image itself.
// Then, unless the first byte is a multiple of 3, the header's checksum is
// recomputed so that the structural checks run (otherwise the checksum
// check is what is fuzzed).
#include <algorithm>
#include <cmath>
#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <memory>
#include <string>

#include "common/hash.h"
#include "workers/classify/topic_model.h"
#include "workers/text/analyzer.h"

namespace {

using qalam::classify::TopicModel;

void Check(bool ok, const char* what) {
  if (!ok) {
    std::fprintf(stderr, "invariant violated: %s\n", what);
    std::abort();
  }
}

std::string MakeBaseImage(bool neighbours) {
  qalam::classify::TopicModelParts parts;
  parts.features.bits = 12;
  parts.labels = {"sport", "economy", "tech"};
  parts.bias = {0.1f, -0.2f, 0.05f};
  parts.description = "fuzz: base model\n";
  for (uint32_t b = 0; b < 4096; b += 97) {
    parts.buckets.push_back(b);
    parts.idf.push_back(1.0f + static_cast<float>(b % 7));
    for (int k = 0; k < 3; ++k) parts.weights.push_back(static_cast<float>((b + k) % 5) - 2.0f);
  }
  parts.temperature = 0.8f;
  if (neighbours) {
    // Four stored documents; row r lists documents r % 4 and (r + 1) % 4.
    parts.neighbour_weight = 0.7f;
    parts.neighbour_labels = {0, 1, 2, 0};
    parts.neighbour_start.push_back(0);
    for (size_t r = 0; r < parts.buckets.size(); ++r) {
      const uint32_t a = r % 4, b = (r + 1) % 4;
      parts.neighbour_postings.push_back({std::min(a, b), 0.5f});
      parts.neighbour_postings.push_back({std::max(a, b), 0.25f});
      parts.neighbour_start.push_back(static_cast<uint32_t>(parts.neighbour_postings.size()));
    }
  }
  auto model = TopicModel::Create(std::move(parts));
  Check(model.ok(), "base model builds");
  return (*model)->Serialize();
}

const std::string& BaseImage(bool neighbours) {
  static const std::string* v1 = new std::string(MakeBaseImage(false));
  static const std::string* v2 = new std::string(MakeBaseImage(true));
  return neighbours ? *v2 : *v1;
}

struct Doc {
  qalam::text::AnalyzedText title, body;
};

const Doc& Document() {
  static const Doc* doc = [] {
    auto* d = new Doc;
    qalam::text::Analyzer analyzer;
    Check(analyzer.Analyze("Late goal wins the cup", &d->title).ok(), "title");
    Check(analyzer.Analyze("The team won the match. فاز الفريق بالكأس.", &d->body).ok(), "body");
    return d;
  }();
  return *doc;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  if (size == 0) return 0;
  const uint8_t mode = data[0];
  std::string image;
  if (mode % 2 == 0) {
    image = BaseImage((mode & 2) != 0);
    for (size_t i = 1; i + 2 < size; i += 3) {
      const size_t off = ((static_cast<size_t>(data[i]) << 8) | data[i + 1]) % image.size();
      image[off] = static_cast<char>(image[off] ^ data[i + 2]);
    }
  } else {
    image.assign(reinterpret_cast<const char*>(data + 1), size - 1);
  }
  if (mode % 3 != 0 && image.size() >= qalam::classify::kTopicModelHeaderBytes) {
    const uint64_t sum =
        qalam::Hash64(image.data() + qalam::classify::kTopicModelHeaderBytes,
                      image.size() - qalam::classify::kTopicModelHeaderBytes,
                      qalam::classify::kTopicModelChecksumSeed);
    for (int i = 0; i < 8; ++i) image[24 + i] = static_cast<char>((sum >> (8 * i)) & 0xFF);
  }

  auto model = TopicModel::Parse(image, "fuzz.bin");
  if (!model.ok()) {
    Check(!model.status().message().empty(), "an error says what is wrong");
    return 0;
  }
  const TopicModel& m = **model;
  Check(m.num_labels() >= 2, "at least 2 labels");
  qalam::classify::ClassifyScratch scratch;
  qalam::classify::TopicPrediction p;
  m.Classify(Document().title, Document().body, &scratch, &p, 5, 0.0f);
  Check(p.label < m.num_labels(), "label index in range");
  Check(p.confidence >= 0.0f && p.confidence <= 1.0f, "confidence in [0, 1]");
  float sum = 0;
  for (const auto& t : p.top) {
    Check(t.label < m.num_labels() && t.score >= 0.0f && t.score <= 1.0f, "top labels");
    sum += t.score;
  }
  Check(sum <= 1.0f + 1e-4f, "scores sum to at most 1");
  Check(TopicModel::Parse(m.Serialize(), "again").ok(), "a loaded model serialises loadably");
  return 0;
}
