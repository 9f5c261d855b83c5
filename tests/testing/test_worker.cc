#include "tests/testing/test_worker.h"

#include <fcntl.h>
#include <signal.h>
#include <unistd.h>

#include <atomic>
#include <cstdio>
#include <deque>
#include <memory>
#include <string>
#include <thread>
#include <vector>

#include "absl/strings/str_cat.h"
#include "absl/synchronization/mutex.h"
#include "absl/time/clock.h"
#include "common/cli.h"
#include "common/log.h"
#include "grpcpp/grpcpp.h"
#include "grpcpp/health_check_service_interface.h"
#include "qalam/v1/worker.grpc.pb.h"
#include "workers/pipeline/article.h"
#include "workers/pipeline/fingerprint.h"

namespace qalam {
namespace testing {

void ProcessBatchLocally(const Annotator& annotator, const v1::BatchRequest& request,
                         v1::BatchResponse* response) {
  const v1::BatchOptions& o = request.options();
  ArticleFields fields;
  if (!o.text_field().empty()) fields.text = o.text_field();
  if (!o.id_field().empty()) fields.id = o.id_field();
  if (!o.title_field().empty()) fields.title = o.title_field();
  if (!o.lang_field().empty()) fields.lang = o.lang_field();
  ArticleLimits limits;
  if (o.max_article_bytes() > 0) limits.max_text_bytes = o.max_article_bytes();
  limits.replace_invalid_utf8 = o.replace_invalid_utf8();
  AnnotateOptions options;
  const v1::Features& f = o.features();
  if (f.summary_sentences() > 0)
    options.summary_sentences = static_cast<int>(f.summary_sentences());
  if (f.keywords() > 0) options.keywords = static_cast<int>(f.keywords());
  switch (f.offset_encoding()) {
    case v1::UTF16:
      options.offsets = text::OffsetUnit::kUtf16;
      break;
    case v1::CODE_POINT:
      options.offsets = text::OffsetUnit::kCodePoint;
      break;
    default:
      options.offsets = text::OffsetUnit::kUtf8;
      break;
  }
  if (f.extract_sentences() || f.identify_language() || f.classify() || f.summarize() ||
      f.extract_keywords()) {
    options.sentences = f.extract_sentences();
    options.language = f.identify_language();
    options.classify = f.classify();
    options.summarize = f.summarize();
    options.keywords_enabled = f.extract_keywords();
  }

  thread_local AnnotatorScratch scratch;
  thread_local AnnotationResult result;
  ArticleParser parser(fields, limits);
  std::string id;
  response->set_shard(request.shard());
  for (const v1::Record& rec : request.records()) {
    v1::RecordResult* out = response->add_results();
    out->set_seq(rec.seq());
    ArticleView article;
    absl::Status s;
    if (rec.payload_case() == v1::Record::kJson) {
      s = parser.Parse(rec.json(), rec.line() > 0 ? rec.line() : rec.seq() + 1, &article, &id);
    } else if (rec.payload_case() == v1::Record::kDocument) {
      const v1::Document& d = rec.document();
      id = d.id();
      article.id = d.id();
      article.text = d.content();
      article.title = d.title();
      article.lang_hint = d.language_hint();
      s = ValidateArticleText(article.text, limits);
    } else {
      s = absl::InvalidArgumentError("empty record");
    }
    if (s.ok()) s = annotator.Annotate(article, options, &scratch, &result);
    if (!s.ok()) {
      v1::RecordError* e = out->mutable_error();
      e->set_code(static_cast<int>(s.code()));
      e->set_message(std::string(s.message()));
      e->set_id(id);
      continue;
    }
    std::string* line = out->mutable_result_json();
    AppendResultJson(result, line);
    if (o.record_stats()) {
      ArticleFingerprint fp;
      ComputeFingerprint(scratch.analyzed, &fp);
      v1::RecordStats* st = out->mutable_stats();
      st->set_chars(fp.chars);
      st->set_text_hash(fp.text_hash);
      for (uint32_t v : fp.minhash) st->add_minhash(v);
    }
  }
}

namespace {

struct Knobs {
  int64_t crash_after = 0;
  int64_t hang_after = 0;
  int64_t error_after = 0;
  int64_t slow_ms = 0;
  std::string poison_crash;
  std::string poison_hang;
  std::string seq_log;
  std::string unhealthy_file;
};

bool Holds(const v1::BatchRequest& req, const std::string& marker) {
  if (marker.empty()) return false;
  for (const v1::Record& r : req.records()) {
    const std::string& data = r.has_document() ? r.document().content() : r.json();
    if (data.find(marker) != std::string::npos) return true;
  }
  return false;
}

class TestWorkerService final : public v1::Worker::CallbackService {
 public:
  TestWorkerService(const Knobs& knobs, int threads, std::unique_ptr<Annotator> annotator)
      : knobs_(knobs), annotator_(std::move(annotator)) {
    if (!knobs_.seq_log.empty()) {
      log_fd_ = ::open(knobs_.seq_log.c_str(), O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0644);
    }
    for (int i = 0; i < threads; ++i) pool_.emplace_back([this] { Work(); });
  }
  ~TestWorkerService() override {
    {
      absl::MutexLock l(&mu_);
      stop_ = true;
    }
    for (auto& t : pool_) t.join();
    if (log_fd_ >= 0) ::close(log_fd_);
  }

  grpc::ServerUnaryReactor* ProcessBatch(grpc::CallbackServerContext* ctx,
                                         const v1::BatchRequest* req,
                                         v1::BatchResponse* resp) override {
    grpc::ServerUnaryReactor* reactor = ctx->DefaultReactor();
    const int64_t n = ++batches_;
    if ((knobs_.crash_after > 0 && n >= knobs_.crash_after) || Holds(*req, knobs_.poison_crash)) {
      ::_exit(70);  // a crash: no goodbye
    }
    absl::MutexLock l(&mu_);
    queue_.push_back(Job{ctx, req, resp, reactor, n});
    return reactor;
  }

 private:
  struct Job {
    grpc::CallbackServerContext* ctx;
    const v1::BatchRequest* req;
    v1::BatchResponse* resp;
    grpc::ServerUnaryReactor* reactor;
    int64_t n;
  };

  void Work() {
    for (;;) {
      Job job;
      {
        absl::MutexLock l(&mu_);
        auto ready = [this]()
                         ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_) { return stop_ || !queue_.empty(); };
        mu_.Await(absl::Condition(&ready));
        if (queue_.empty()) return;
        job = queue_.front();
        queue_.pop_front();
      }
      if ((knobs_.hang_after > 0 && job.n >= knobs_.hang_after) ||
          Holds(*job.req, knobs_.poison_hang)) {
        // Hang until the caller gives up (or the server stops).
        while (!job.ctx->IsCancelled()) {
          {
            absl::MutexLock l(&mu_);
            if (stop_) break;
          }
          absl::SleepFor(absl::Milliseconds(20));
        }
        job.reactor->Finish(grpc::Status(grpc::StatusCode::CANCELLED, "hung"));
        continue;
      }
      if (knobs_.error_after > 0 && job.n >= knobs_.error_after) {
        job.reactor->Finish(grpc::Status(grpc::StatusCode::INTERNAL, "test worker: told to fail"));
        continue;
      }
      if (knobs_.slow_ms > 0) absl::SleepFor(absl::Milliseconds(knobs_.slow_ms));
      ProcessBatchLocally(*annotator_, *job.req, job.resp);
      if (log_fd_ >= 0) {
        std::string lines;
        for (const v1::Record& r : job.req->records()) absl::StrAppend(&lines, r.seq(), "\n");
        if (::write(log_fd_, lines.data(), lines.size()) < 0) QALAM_LOG(ERROR) << "seq log";
      }
      job.reactor->Finish(grpc::Status::OK);
    }
  }

  const Knobs knobs_;
  std::unique_ptr<Annotator> annotator_;
  std::atomic<int64_t> batches_{0};
  int log_fd_ = -1;
  absl::Mutex mu_;
  std::deque<Job> queue_ ABSL_GUARDED_BY(mu_);
  bool stop_ ABSL_GUARDED_BY(mu_) = false;
  std::vector<std::thread> pool_;
};

int g_signal_pipe[2] = {-1, -1};

void OnSignal(int) {
  char c = 1;
  [[maybe_unused]] ssize_t r = ::write(g_signal_pipe[1], &c, 1);
}

}  // namespace

int TestWorkerMain(int argc, char** argv) {
  Knobs knobs;
  std::string listen;
  std::string model_dir;
  int64_t threads = 1;
  FlagSet flags("qalam-test-worker --listen ADDR [KNOBS]",
                "A qalam.v1.Worker for tests, with knobs to crash, hang, fail or be slow.");
  flags.String("listen", &listen, "address: host:port (port 0 picks one) or unix:/path", "ADDR");
  flags.Int("threads", &threads, "batches processed at once");
  flags.String("model-dir", &model_dir, "folder of the model files (default: bundled)", "DIR");
  flags.Int("crash-after", &knobs.crash_after, "exit abruptly at the N-th batch");
  flags.Int("hang-after", &knobs.hang_after, "hang from the N-th batch on");
  flags.Int("error-after", &knobs.error_after, "fail every batch from the N-th on");
  flags.Int("slow-ms", &knobs.slow_ms, "sleep per batch", "MS");
  flags.String("poison-crash", &knobs.poison_crash, "exit on a batch holding this string", "S");
  flags.String("poison-hang", &knobs.poison_hang, "hang on a batch holding this string", "S");
  flags.String("seq-log", &knobs.seq_log, "append processed seqs here", "FILE");
  flags.String("unhealthy-file", &knobs.unhealthy_file, "NOT_SERVING while this file exists",
               "FILE");
  std::vector<std::string> rest;
  absl::Status st = flags.Parse(argc, argv, 1, &rest);
  if (flags.help_requested()) {
    std::fputs(flags.Help().c_str(), stdout);
    return 0;
  }
  if (!st.ok() || listen.empty()) {
    std::fprintf(stderr, "qalam-test-worker: %s\n",
                 st.ok() ? "--listen is required" : std::string(st.message()).c_str());
    return 2;
  }
  SetLogProgramName("qalam-test-worker");
  if (::pipe2(g_signal_pipe, O_CLOEXEC) != 0) return 1;
  ::signal(SIGTERM, OnSignal);
  ::signal(SIGINT, OnSignal);
  ::signal(SIGPIPE, SIG_IGN);

  AnnotatorConfig config;
  config.model_dir = model_dir;
  absl::StatusOr<std::unique_ptr<Annotator>> annotator = Annotator::Create(config);
  if (!annotator.ok()) {
    std::fprintf(stderr, "qalam-test-worker: %s\n", annotator.status().ToString().c_str());
    return 1;
  }
  grpc::EnableDefaultHealthCheckService(true);
  auto service = std::make_unique<TestWorkerService>(knobs, static_cast<int>(threads),
                                                     std::move(annotator).value());
  grpc::ServerBuilder builder;
  int port = 0;
  builder.AddListeningPort(listen, grpc::InsecureServerCredentials(), &port);
  builder.SetMaxReceiveMessageSize(-1);
  builder.SetMaxSendMessageSize(-1);
  builder.RegisterService(service.get());
  std::unique_ptr<grpc::Server> server = builder.BuildAndStart();
  if (server == nullptr) {
    std::fprintf(stderr, "qalam-test-worker: cannot listen on %s\n", listen.c_str());
    return 1;
  }
  grpc::HealthCheckServiceInterface* health = server->GetHealthCheckService();
  health->SetServingStatus("qalam.v1.Worker", true);
  std::printf("listening on %s port %d\n", listen.c_str(), port);
  std::fflush(stdout);

  std::atomic<bool> done{false};
  std::thread health_thread([&] {
    bool serving = true;
    while (!done.load()) {
      bool want = knobs.unhealthy_file.empty() || ::access(knobs.unhealthy_file.c_str(), F_OK) != 0;
      if (want != serving) {
        health->SetServingStatus("qalam.v1.Worker", want);
        health->SetServingStatus(want);
        serving = want;
      }
      absl::SleepFor(absl::Milliseconds(50));
    }
  });
  char c;
  while (::read(g_signal_pipe[0], &c, 1) < 0 && errno == EINTR) {
  }
  done = true;
  health_thread.join();
  health->Shutdown();
  server->Shutdown(std::chrono::system_clock::now() + std::chrono::seconds(2));
  server->Wait();
  service.reset();
  return 0;
}

}  // namespace testing
}  // namespace qalam
