// qalam annotate: the whole job in one process, no gRPC.
#include <unistd.h>

#include <cstdio>
#include <string>
#include <vector>

#include "absl/strings/str_cat.h"
#include "common/cli.h"
#include "coordinator/commands.h"
#include "coordinator/input.h"
#include "workers/pipeline/annotator.h"
#include "workers/pipeline/article.h"

namespace qalam {
namespace {

// Buffered writer to a file descriptor; flushes at 128 KiB (a buffer that
// stays in L2, as OutputStore's) and at the end.
class Output {
 public:
  explicit Output(FILE* f) : f_(f) { buf_.reserve(kFlushAt + (64 << 10)); }
  std::string* buf() { return &buf_; }
  bool MaybeFlush() { return buf_.size() >= kFlushAt ? Flush() : true; }
  bool Flush() {
    if (!buf_.empty() && std::fwrite(buf_.data(), 1, buf_.size(), f_) != buf_.size()) return false;
    buf_.clear();
    return std::fflush(f_) == 0;
  }

 private:
  static constexpr size_t kFlushAt = 128 << 10;
  FILE* f_;
  std::string buf_;
};

}  // namespace

int AnnotateCommand(int argc, char** argv) {
  ArticleFields fields;
  ArticleLimits limits;
  std::string offsets = "utf8";
  int64_t summary_sentences = 3;
  double summary_ratio = 0;
  int64_t summary_max_sentences = 10;
  int64_t keywords = 10;
  int64_t max_article_bytes = static_cast<int64_t>(limits.max_text_bytes);
  bool replace_invalid = false;
  std::string output;
  std::string errors_path;
  std::string model_dir;
  std::string topic_model;
  std::vector<std::string> inputs;

  FlagSet flags(
      "qalam annotate [FLAGS] [INPUT...]",
      "Annotates articles in this one process (no workers, no gRPC) and writes one\n"
      "result line per article to stdout, in input order. INPUT is a .jsonl file\n"
      "(also .jsonl.gz, .jsonl.zst), a folder of .txt files, a .txt file, or - for\n"
      "stdin (the default). Records that cannot be processed are written to stderr\n"
      "as error lines ({\"file\",\"line\",\"id\",\"code\",\"error\"}) and the job goes on.");
  flags.String("text-field", &fields.text, "JSON field holding the article text", "NAME");
  flags.String("id-field", &fields.id, "JSON field holding the article id", "NAME");
  flags.String("title-field", &fields.title, "JSON field holding the title", "NAME");
  flags.String("lang-field", &fields.lang, "JSON field holding a language hint", "NAME");
  flags.String("offsets", &offsets, "units of sentence offsets: utf8, utf16 or codepoint", "UNIT");
  flags.Int("summary-sentences", &summary_sentences, "sentences per summary (K)", "K");
  flags.Double("summary-ratio", &summary_ratio,
               "summarise to this share of each article's sentences instead: K = ceil(R x "
               "sentences), at least 1, at most --summary-max-sentences (0: use K)",
               "R");
  flags.Int("summary-max-sentences", &summary_max_sentences,
            "the most sentences --summary-ratio may choose", "M");
  flags.Int("keywords", &keywords, "keywords per article (N)", "N");
  flags.Int("max-article-bytes", &max_article_bytes, "refuse articles whose text is longer", "BYTES");
  flags.Bool("replace-invalid-utf8", &replace_invalid,
             "replace invalid UTF-8 with U+FFFD instead of refusing the record");
  flags.String("output", &output, "write result lines here instead of stdout", "FILE", 'o');
  flags.String("errors", &errors_path, "write error lines here instead of stderr", "FILE");
  flags.String("model-dir", &model_dir,
               "folder of the model files (default: the bundled models/)", "DIR");
  flags.String("model", &topic_model,
               "topic model (from qalam train) for every article, instead of the bundled "
               "topic-ar.bin / topic-en.bin chosen by language; its keyword tables "
               "(PATH.summarize-ar.bin, PATH.summarize-en.bin) are used when present",
               "PATH");

  absl::Status st = flags.Parse(argc, argv, 2, &inputs);
  if (flags.help_requested()) {
    std::fputs(flags.Help().c_str(), stdout);
    return 0;
  }
  if (!st.ok()) {
    std::fprintf(stderr, "qalam annotate: %s\n", std::string(st.message()).c_str());
    return 2;
  }
  AnnotateOptions options;
  options.summary_sentences = static_cast<int>(summary_sentences);
  options.keywords = static_cast<int>(keywords);
  options.summary_ratio = summary_ratio;
  options.summary_max_sentences = static_cast<int>(summary_max_sentences);
  if (summary_sentences != options.summary_sentences || keywords != options.keywords ||
      summary_max_sentences != options.summary_max_sentences) {
    st = absl::InvalidArgumentError(
        "--summary-sentences, --summary-max-sentences or --keywords out of range");
  }
  if (st.ok()) st = text::ParseOffsetUnit(offsets, &options.offsets);
  if (st.ok()) st = ValidateAnnotateOptions(options);
  if (st.ok() && max_article_bytes <= 0) {
    st = absl::InvalidArgumentError("--max-article-bytes must be positive");
  }
  if (!st.ok()) {
    std::fprintf(stderr, "qalam annotate: %s\n", std::string(st.message()).c_str());
    return 2;
  }
  limits.max_text_bytes = static_cast<size_t>(max_article_bytes);
  limits.replace_invalid_utf8 = replace_invalid;
  if (inputs.empty()) inputs.push_back("-");

  InputOptions input_options;
  input_options.max_record_bytes = std::max<size_t>(limits.max_text_bytes * 2, 1 << 20);
  auto reader_or = InputReader::Open(inputs, input_options);
  if (!reader_or.ok()) {
    std::fprintf(stderr, "qalam annotate: %s\n", std::string(reader_or.status().message()).c_str());
    return 1;
  }
  std::unique_ptr<InputReader> reader = std::move(reader_or).value();

  FILE* out_file = stdout;
  if (!output.empty()) {
    out_file = std::fopen(output.c_str(), "w");
    if (out_file == nullptr) {
      std::fprintf(stderr, "qalam annotate: cannot write '%s'\n", output.c_str());
      return 1;
    }
  }
  FILE* err_file = stderr;
  if (!errors_path.empty()) {
    err_file = std::fopen(errors_path.c_str(), "w");
    if (err_file == nullptr) {
      std::fprintf(stderr, "qalam annotate: cannot write '%s'\n", errors_path.c_str());
      return 1;
    }
  }
  Output out(out_file);
  Output errs(err_file);

  AnnotatorConfig config;
  config.model_dir = model_dir;
  config.topic_model = topic_model;
  absl::StatusOr<std::unique_ptr<Annotator>> annotator_or = Annotator::Create(config);
  if (!annotator_or.ok()) {
    std::fprintf(stderr, "qalam annotate: %s\n",
                 std::string(annotator_or.status().message()).c_str());
    return 1;
  }
  const Annotator& annotator = **annotator_or;
  AnnotatorScratch scratch;
  AnnotationResult result;
  ArticleParser parser(fields, limits);
  InputRecord rec;
  std::string id;
  bool write_ok = true;
  while (write_ok && reader->Next(&rec)) {
    const std::string& file = reader->files()[rec.file_index];
    absl::Status s = rec.error;
    ArticleView article;
    if (s.ok()) {
      if (rec.kind == InputRecord::Kind::kJsonLine) {
        s = parser.Parse(rec.text, rec.line, &article, &id);
      } else {
        id = rec.id;
        article.id = rec.id;
        article.text = rec.text;
        s = ValidateArticleText(article.text, limits);
      }
    } else {
      id = rec.id;
    }
    if (s.ok()) s = annotator.Annotate(article, options, &scratch, &result);
    if (s.ok()) {
      AppendResultJson(result, out.buf());
      out.buf()->push_back('\n');
      write_ok = out.MaybeFlush();
    } else {
      AppendErrorJson(file, rec.line, id, s, errs.buf());
      errs.buf()->push_back('\n');
      errs.Flush();
    }
  }
  write_ok = write_ok && out.Flush() && errs.Flush();
  if (out_file != stdout && std::fclose(out_file) != 0) write_ok = false;
  if (err_file != stderr) std::fclose(err_file);
  if (!write_ok) {
    std::fprintf(stderr, "qalam annotate: write error (disk full or closed pipe?)\n");
    return 1;
  }
  return 0;
}

}  // namespace qalam
