// bench_rpc: a load generator for qalam-worker's Annotate RPC.
//
// Starts a real qalam-worker process on 127.0.0.1:0 (or uses --connect and
// --pid), then runs N concurrent clients, each on its own channel (its own
// connection), each keeping one Annotate call in flight with the callback
// API, on real news articles, over loopback: a warm-up run, then the main
// run. Reports requests/s, latency percentiles overall and for ~5 KB
// articles (4-6 KiB of UTF-8), errors by code, and the server's resident set
// size (VmRSS from /proc/PID/status) after the warm-up and after the main
// run.
//
//   bench_rpc                        # 16 clients, 10 s warm-up, 60 s run
//   bench_rpc --seconds 5 --warmup-seconds 2
//
// Articles: ar-multi dev.jsonl under $QALAM_DATA_DIR (default
// /work/shared/data) when present, else examples/sample.jsonl.
#include <grpcpp/grpcpp.h>
#include <signal.h>

#include <algorithm>
#include <atomic>
#include <cstdio>
#include <cstdlib>
#include <fstream>
#include <functional>
#include <map>
#include <memory>
#include <string>
#include <thread>
#include <vector>

#include "absl/strings/str_cat.h"
#include "absl/synchronization/mutex.h"
#include "absl/synchronization/notification.h"
#include "absl/time/clock.h"
#include "absl/time/time.h"
#include "bench/bench_data.h"
#include "common/cli.h"
#include "qalam/v1/annotator.grpc.pb.h"
#include "tests/testing/worker_process.h"

namespace qalam {
namespace {

struct Sample {
  double micros;
  uint32_t bytes;
};

// One client: one channel, one call in flight, the next call issued from
// the previous one's completion callback.
class Client {
 public:
  Client(std::shared_ptr<grpc::Channel> channel, const std::vector<v1::AnnotateRequest>* requests,
         size_t first)
      : stub_(v1::Annotator::NewStub(channel)), requests_(requests), next_(first) {}

  // Runs calls until `stop` is set, then returns once the last call is done.
  void Run(const std::atomic<bool>* stop) {
    stop_ = stop;
    samples_.clear();
    errors_.clear();
    done_ = std::make_unique<absl::Notification>();
    Issue();
    done_->WaitForNotification();
  }

  const std::vector<Sample>& samples() const { return samples_; }
  const std::map<std::string, int>& errors() const { return errors_; }

 private:
  void Issue() {
    const v1::AnnotateRequest& req = (*requests_)[next_];
    next_ = (next_ + 1) % requests_->size();
    // Two contexts used in turn: the one whose callback is running is not
    // destroyed from inside that callback.
    parity_ ^= 1;
    std::unique_ptr<grpc::ClientContext>& ctx = ctx_[parity_];
    ctx = std::make_unique<grpc::ClientContext>();
    ctx->set_deadline(std::chrono::system_clock::now() + std::chrono::seconds(30));
    resp_.Clear();
    const uint32_t bytes = static_cast<uint32_t>(req.document().content().size());
    const absl::Time start = absl::Now();
    stub_->async()->Annotate(ctx.get(), &req, &resp_, [this, start, bytes](grpc::Status s) {
      const double micros = absl::ToDoubleMicroseconds(absl::Now() - start);
      if (s.ok()) {
        samples_.push_back({micros, bytes});
      } else {
        ++errors_[absl::StrCat(s.error_code(), " ", s.error_message())];
      }
      if (stop_->load(std::memory_order_relaxed)) {
        done_->Notify();
      } else {
        Issue();
      }
    });
  }

  std::unique_ptr<v1::Annotator::Stub> stub_;
  const std::vector<v1::AnnotateRequest>* requests_;
  size_t next_;
  const std::atomic<bool>* stop_ = nullptr;
  std::unique_ptr<grpc::ClientContext> ctx_[2];
  int parity_ = 0;
  v1::AnnotateResponse resp_;
  // Touched only by the one callback chain of this client.
  std::vector<Sample> samples_;
  std::map<std::string, int> errors_;
  std::unique_ptr<absl::Notification> done_;
};

double Percentile(std::vector<double>* v, double p) {
  if (v->empty()) return 0;
  size_t k = static_cast<size_t>(p * static_cast<double>(v->size() - 1) + 0.5);
  std::nth_element(v->begin(), v->begin() + static_cast<long>(k), v->end());
  return (*v)[k];
}

struct RunResult {
  uint64_t ok = 0;
  uint64_t errors = 0;
  std::map<std::string, int> error_kinds;
  double seconds = 0;
  std::vector<double> all_ms;
  std::vector<double> five_kb_ms;
};

// Runs the clients for `d`, printing the server's RSS every `rss_every` (when
// positive) from `rss`.
RunResult RunFor(std::vector<std::unique_ptr<Client>>* clients, absl::Duration d,
                 absl::Duration rss_every, const std::function<int64_t()>& rss) {
  std::atomic<bool> stop{false};
  std::vector<std::thread> threads;
  const absl::Time start = absl::Now();
  for (auto& c : *clients) threads.emplace_back([&c, &stop] { c->Run(&stop); });
  const absl::Time end = start + d;
  while (absl::Now() < end) {
    const absl::Duration left = end - absl::Now();
    absl::SleepFor(rss_every > absl::ZeroDuration() ? std::min(rss_every, left) : left);
    if (rss_every > absl::ZeroDuration()) {
      std::printf("  t=%.0fs server RSS %lld KiB\n", absl::ToDoubleSeconds(absl::Now() - start),
                  static_cast<long long>(rss()));
    }
  }
  stop = true;
  for (auto& t : threads) t.join();
  RunResult r;
  r.seconds = absl::ToDoubleSeconds(absl::Now() - start);
  for (auto& c : *clients) {
    for (const Sample& s : c->samples()) {
      r.all_ms.push_back(s.micros / 1000);
      if (s.bytes >= 4096 && s.bytes < 6144) r.five_kb_ms.push_back(s.micros / 1000);
    }
    r.ok += c->samples().size();
    for (const auto& [k, n] : c->errors()) {
      r.error_kinds[k] += n;
      r.errors += static_cast<uint64_t>(n);
    }
  }
  return r;
}

int Main(int argc, char** argv) {
  std::string worker_bin = QALAM_WORKER_BIN;
  std::string connect;
  int64_t pid = 0;
  int64_t clients_n = 16;
  double seconds = 60;
  double warmup_seconds = 10;
  double rss_every = 0;
  int64_t worker_threads = 0;
  std::string data;
  FlagSet flags("bench_rpc [FLAGS]",
                "Load test of qalam-worker's Annotate over loopback; see bench/README.md.");
  flags.String("worker", &worker_bin, "qalam-worker binary to start", "PATH");
  flags.String("connect", &connect, "use this running server instead (with --pid for RSS)", "ADDR");
  flags.Int("pid", &pid, "process id of the --connect server, to read its RSS", "PID");
  flags.Int("clients", &clients_n, "concurrent clients, one channel and one call each", "N");
  flags.Double("seconds", &seconds, "length of the main run", "S");
  flags.Double("warmup-seconds", &warmup_seconds, "length of the warm-up run", "S");
  flags.Double("rss-every", &rss_every, "also print the server's RSS every S seconds", "S");
  flags.Int("worker-threads", &worker_threads, "--threads for the started worker (0 = cores)", "N");
  flags.String("data", &data, "JSONL articles (default: ar-multi dev, else the sample)", "FILE");
  std::vector<std::string> rest;
  absl::Status st = flags.Parse(argc, argv, 1, &rest);
  if (flags.help_requested()) {
    std::fputs(flags.Help().c_str(), stdout);
    return 0;
  }
  if (!st.ok() || clients_n < 1) {
    std::fprintf(stderr, "bench_rpc: %s\n",
                 st.ok() ? "--clients must be >= 1" : st.ToString().c_str());
    return 2;
  }

  std::vector<bench::Article> articles;
  std::string source;
  if (!data.empty()) {
    articles = bench::LoadJsonl(data);
    source = data;
  } else {
    const char* dir = std::getenv("QALAM_DATA_DIR");
    source = absl::StrCat(dir != nullptr ? dir : "/work/shared/data", "/ar-multi/dev.jsonl");
    articles = bench::LoadJsonl(source);
    if (articles.empty()) {
      source = std::string(QALAM_SOURCE_DIR) + "/examples/sample.jsonl";
      articles = bench::LoadJsonl(source);
    }
  }
  if (articles.empty()) {
    std::fprintf(stderr, "bench_rpc: no articles in %s\n", source.c_str());
    return 1;
  }
  std::vector<v1::AnnotateRequest> requests;
  size_t five_kb = 0;
  for (const bench::Article& a : articles) {
    v1::AnnotateRequest r;
    r.mutable_document()->set_id(a.id);
    r.mutable_document()->set_content(a.text);
    r.mutable_document()->set_title(a.title);
    if (a.text.size() >= 4096 && a.text.size() < 6144) ++five_kb;
    requests.push_back(std::move(r));
  }

  std::unique_ptr<qalam_testing::WorkerProcess> worker;
  std::string address = connect;
  if (connect.empty()) {
    std::vector<std::string> args = {"--listen", "127.0.0.1:0"};
    if (worker_threads > 0) {
      args.push_back("--threads");
      args.push_back(absl::StrCat(worker_threads));
    }
    auto w = qalam_testing::WorkerProcess::Start(worker_bin, args);
    if (!w.ok()) {
      std::fprintf(stderr, "bench_rpc: %s\n", w.status().ToString().c_str());
      return 1;
    }
    worker = std::move(w).value();
    address = worker->address();
    pid = worker->pid();
  }
  std::function<int64_t()> rss = [pid, &worker]() -> int64_t {
    if (worker) {
      auto r = worker->RssKib();
      return r.ok() ? *r : -1;
    }
    if (pid <= 0) return -1;
    std::ifstream in(absl::StrCat("/proc/", pid, "/status"));
    std::string line;
    while (std::getline(in, line)) {
      if (line.rfind("VmRSS:", 0) == 0) return std::atoll(line.c_str() + 6);
    }
    return -1;
  };

  std::vector<std::unique_ptr<Client>> clients;
  for (int64_t i = 0; i < clients_n; ++i) {
    grpc::ChannelArguments args;
    // A channel of its own per client: separate connections, as separate
    // client processes would have.
    args.SetInt(GRPC_ARG_USE_LOCAL_SUBCHANNEL_POOL, 1);
    args.SetInt("qalam.bench.client", static_cast<int>(i));
    auto channel = grpc::CreateCustomChannel(address, grpc::InsecureChannelCredentials(), args);
    clients.push_back(std::make_unique<Client>(
        channel, &requests,
        static_cast<size_t>(i) * requests.size() / static_cast<size_t>(clients_n)));
  }

  std::printf("bench_rpc: %zu articles from %s (%zu of 4-6 KiB), %lld clients, server %s\n",
              requests.size(), source.c_str(), five_kb, static_cast<long long>(clients_n),
              address.c_str());
  std::printf("server RSS before warm-up: %lld KiB\n", static_cast<long long>(rss()));
  const absl::Duration every = absl::Milliseconds(static_cast<int64_t>(rss_every * 1000));
  RunResult warm = RunFor(&clients, absl::Seconds(warmup_seconds), every, rss);
  const int64_t rss_warm = rss();
  std::printf("warm-up: %.1f s, %llu requests, %llu errors; server RSS after warm-up: %lld KiB\n",
              warm.seconds, static_cast<unsigned long long>(warm.ok),
              static_cast<unsigned long long>(warm.errors), static_cast<long long>(rss_warm));
  RunResult r = RunFor(&clients, absl::Seconds(seconds), every, rss);
  const int64_t rss_after = rss();

  std::printf("main run: %.1f s, %llu requests, %llu errors, %.0f requests/s\n", r.seconds,
              static_cast<unsigned long long>(r.ok), static_cast<unsigned long long>(r.errors),
              static_cast<double>(r.ok) / r.seconds);
  for (const auto& [k, n] : r.error_kinds) std::printf("  error x%d: %s\n", n, k.c_str());
  std::printf("latency all articles (ms): p50 %.3f  p90 %.3f  p99 %.3f  p99.9 %.3f  max %.3f\n",
              Percentile(&r.all_ms, 0.50), Percentile(&r.all_ms, 0.90), Percentile(&r.all_ms, 0.99),
              Percentile(&r.all_ms, 0.999), Percentile(&r.all_ms, 1.0));
  std::printf("latency 4-6 KiB articles (ms, %zu calls): p50 %.3f  p99 %.3f\n", r.five_kb_ms.size(),
              Percentile(&r.five_kb_ms, 0.50), Percentile(&r.five_kb_ms, 0.99));
  const double growth = rss_warm > 0 ? 100.0 * static_cast<double>(rss_after - rss_warm) /
                                           static_cast<double>(rss_warm)
                                     : 0;
  std::printf("server RSS: after warm-up %lld KiB, after the main run %lld KiB (%+.1f%%)\n",
              static_cast<long long>(rss_warm), static_cast<long long>(rss_after), growth);

  int rc = (warm.errors == 0 && r.errors == 0) ? 0 : 1;
  clients.clear();
  if (worker) {
    if (!worker->Signal(SIGTERM).ok()) rc = 1;
    auto exit = worker->WaitForExit(absl::Seconds(60));
    std::printf("server exit status after SIGTERM: %s\n",
                exit.ok() ? absl::StrCat(*exit).c_str() : exit.status().ToString().c_str());
    if (!exit.ok() || *exit != 0) rc = 1;
  }
  return rc;
}

}  // namespace
}  // namespace qalam

int main(int argc, char** argv) { return qalam::Main(argc, argv); }
