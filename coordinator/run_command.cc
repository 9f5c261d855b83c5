// qalam run: the pipeline from the command line; qalam merge: combines the
// part folders of a sliced job.
#include <sys/resource.h>
#include <unistd.h>

#include <algorithm>
#include <cstdio>
#include <filesystem>
#include <memory>
#include <string>
#include <thread>
#include <vector>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "absl/strings/str_split.h"
#include "absl/time/clock.h"
#include "common/cli.h"
#include "common/log.h"
#include "common/security.h"
#include "common/thread_pool.h"
#include "coordinator/commands.h"
#include "coordinator/dispatcher.h"
#include "coordinator/job.h"
#include "coordinator/local_workers.h"
#include "coordinator/merge.h"
#include "coordinator/progress.h"
#include "grpc/grpc.h"
#include "workers/pipeline/annotator.h"
#include "workers/text/utf8.h"

namespace qalam {

absl::Status AnnotateFlagsToBatchOptions(const AnnotateFlags& f, v1::BatchOptions* out) {
  out->Clear();
  text::OffsetUnit unit;
  absl::Status s = text::ParseOffsetUnit(f.offsets, &unit);
  if (!s.ok()) return s;
  AnnotateOptions check;
  check.summary_sentences = static_cast<int>(f.summary_sentences);
  check.keywords = static_cast<int>(f.keywords);
  if (check.summary_sentences != f.summary_sentences || check.keywords != f.keywords) {
    return absl::InvalidArgumentError("--summary-sentences or --keywords out of range");
  }
  s = ValidateAnnotateOptions(check);
  if (!s.ok()) return s;
  if (f.max_article_bytes <= 0) {
    return absl::InvalidArgumentError("--max-article-bytes must be positive");
  }
  out->set_text_field(f.text_field);
  out->set_id_field(f.id_field);
  out->set_title_field(f.title_field);
  out->set_lang_field(f.lang_field);
  out->set_replace_invalid_utf8(f.replace_invalid_utf8);
  out->set_max_article_bytes(static_cast<uint64_t>(f.max_article_bytes));
  v1::Features* features = out->mutable_features();
  // No feature boolean set: everything is computed, as `qalam annotate` does.
  features->set_summary_sentences(static_cast<uint32_t>(f.summary_sentences));
  features->set_keywords(static_cast<uint32_t>(f.keywords));
  switch (unit) {
    case text::OffsetUnit::kUtf8:
      features->set_offset_encoding(v1::UTF8);
      break;
    case text::OffsetUnit::kUtf16:
      features->set_offset_encoding(v1::UTF16);
      break;
    case text::OffsetUnit::kCodePoint:
      features->set_offset_encoding(v1::CODE_POINT);
      break;
  }
  return absl::OkStatus();
}

void RegisterAnnotateFlags(FlagSet* flags, AnnotateFlags* f) {
  flags->String("text-field", &f->text_field, "JSON field holding the article text", "NAME");
  flags->String("id-field", &f->id_field, "JSON field holding the article id", "NAME");
  flags->String("title-field", &f->title_field, "JSON field holding the title", "NAME");
  flags->String("lang-field", &f->lang_field, "JSON field holding a language hint", "NAME");
  flags->String("offsets", &f->offsets, "units of sentence offsets: utf8, utf16 or codepoint",
                "UNIT");
  flags->Int("summary-sentences", &f->summary_sentences, "sentences per summary (K)", "K");
  flags->Int("keywords", &f->keywords, "keywords per article (N)", "N");
  flags->Int("max-article-bytes", &f->max_article_bytes, "refuse articles whose text is longer",
             "BYTES");
  flags->Bool("replace-invalid-utf8", &f->replace_invalid_utf8,
              "replace invalid UTF-8 with U+FFFD instead of refusing the record");
}

int RunCommand(int argc, char** argv) {
  AnnotateFlags af;
  std::string output;
  int64_t workers = static_cast<int64_t>(std::max(1u, std::thread::hardware_concurrency()));
  std::string connect;
  bool resume = false;
  bool quiet = false;
  double progress_seconds = 10;
  std::string slice;
  std::string worker_binary;
  std::string model_dir;
  std::string topic_model;
  std::vector<std::string> worker_args;
  int64_t shard_records = 1000;
  int64_t shard_bytes = 0;
  int64_t in_flight = 3;
  double call_timeout = 60;
  int64_t window = 0;
  ClientSecurityOptions security;
  std::vector<std::string> inputs;

  FlagSet flags(
      "qalam run INPUT... -o DIR [--workers N] [--connect TARGET] [--resume] [--slice i/N]",
      "The pipeline: this process reads the inputs, sends shards of records to qalam\n"
      "workers over gRPC and writes DIR/results.jsonl (one line per article, in input\n"
      "order, byte-identical to `qalam annotate`), DIR/errors.jsonl and DIR/report.json.\n"
      "Without --connect it starts N local qalam-worker processes (N = cores) on unix\n"
      "sockets and stops them at the end. A job killed at any point finishes with the\n"
      "same arguments plus --resume, without redoing what was committed.");
  flags.String("output", &output, "output folder", "DIR", 'o');
  flags.Int("workers", &workers, "local worker processes to start (without --connect)");
  flags.String("connect", &connect,
               "use these workers instead: host:port,host:port, unix:/path, or dns:///name:port "
               "(every address of the name is a worker)",
               "TARGET");
  flags.Bool("resume", &resume, "finish the unfinished job in DIR (a fresh start if none)");
  flags.String("slice", &slice,
               "process only articles at positions p with p % N == i (0 <= i < N); combine "
               "the part folders with `qalam merge`",
               "i/N");
  flags.Bool("quiet", &quiet, "no progress on stderr");
  flags.Double("progress-seconds", &progress_seconds,
               "interval of the progress lines when stderr is not a terminal", "SECONDS");
  RegisterAnnotateFlags(&flags, &af);
  flags.String("model-dir", &model_dir,
               "folder of the model files, passed to the local workers (default: bundled)", "DIR");
  flags.String("model", &topic_model,
               "topic model (from qalam train) for every article, passed to the local workers "
               "(default: the bundled topic-ar.bin / topic-en.bin, chosen by language)",
               "PATH");
  flags.String("worker-binary", &worker_binary,
               "local worker executable (default: qalam-worker beside qalam)", "PATH");
  flags.StringList("worker-arg", &worker_args, "extra argument for local workers (repeatable)",
                   "ARG");
  flags.Int("shard-records", &shard_records, "records per shard at most");
  flags.Int("shard-bytes", &shard_bytes,
            "bytes per shard at most (one larger record goes alone); 0 = a quarter of each "
            "worker's share of the input files' size (compressed size for .gz/.zst), between "
            "64 KiB and 2 MiB (2 MiB when it is unknown, as for stdin)",
            "BYTES");
  flags.Int("in-flight", &in_flight, "shards in flight per worker at most");
  flags.Double("call-timeout", &call_timeout,
               "deadline of one shard call in seconds (longer for large shards)", "SECONDS");
  flags.Int("window", &window, "shards read ahead of the oldest unfinished one (0 = auto)");
  // Credentials towards --connect workers: what their --tls-* and
  // --auth-token-file flags demand.
  flags.String("tls-ca", &security.tls_ca_file,
               "with --connect: talk TLS to the workers and verify them with this PEM CA bundle",
               "FILE");
  flags.String("tls-cert", &security.tls_cert_file,
               "with --connect: PEM client certificate for mutual TLS (with --tls-key)", "FILE");
  flags.String("tls-key", &security.tls_key_file, "PEM private key of --tls-cert", "FILE");
  flags.String("tls-server-name", &security.tls_server_name,
               "with --connect: name to verify in the workers' certificates (default: the "
               "target's host)",
               "NAME");
  flags.String("auth-token-file", &security.auth_token_file,
               "with --connect: send \"authorization: Bearer TOKEN\", TOKEN being the first "
               "token of FILE (over TLS, or to loopback / unix: workers)",
               "FILE");

  absl::Status st = flags.Parse(argc, argv, 2, &inputs);
  if (flags.help_requested()) {
    std::fputs(flags.Help().c_str(), stdout);
    return 0;
  }
  JobSpec spec;
  if (st.ok() && inputs.empty()) st = absl::InvalidArgumentError("no input given");
  if (st.ok() && output.empty()) st = absl::InvalidArgumentError("-o DIR is required");
  if (st.ok() && (workers < 1 || workers > 1024)) {
    st = absl::InvalidArgumentError("--workers must be in [1, 1024]");
  }
  if (st.ok() && (shard_records < 1 || shard_bytes < 0 || in_flight < 1 || call_timeout <= 0)) {
    st = absl::InvalidArgumentError(
        "--shard-records, --in-flight and --call-timeout must be positive, --shard-bytes "
        "positive or 0");
  }
  const bool secured = !security.tls_ca_file.empty() || !security.tls_cert_file.empty() ||
                       !security.tls_key_file.empty() || !security.tls_server_name.empty() ||
                       !security.auth_token_file.empty();
  if (st.ok() && secured && connect.empty()) {
    st = absl::InvalidArgumentError(
        "--tls-* and --auth-token-file apply to --connect workers (local workers listen on "
        "private unix sockets)");
  }
  if (st.ok() && !topic_model.empty() && !connect.empty()) {
    st = absl::InvalidArgumentError(
        "--model applies to local workers; start the workers of --connect with "
        "`qalam-worker --model PATH` instead");
  }
  if (st.ok()) st = AnnotateFlagsToBatchOptions(af, &spec.batch);
  if (st.ok() && !slice.empty()) st = ParseSlice(slice, &spec.slice_index, &spec.slice_count);
  if (!st.ok()) {
    std::fprintf(stderr, "qalam run: %s\n", std::string(st.message()).c_str());
    return 2;
  }
  SetLogProgramName("qalam run");
  // Keep gRPC initialised until the process exits: otherwise destroying the
  // last channel runs grpc_shutdown, which in gRPC 1.51 can wait ~10 s for an
  // executor thread parked in epoll_wait, after the job is done.
  grpc_init();
  spec.inputs = inputs;
  spec.output_dir = output;
  spec.resume = resume;
  spec.shard_records = static_cast<int>(shard_records);
  spec.shard_bytes = static_cast<size_t>(shard_bytes);
  spec.window_shards = static_cast<int>(window);

  std::unique_ptr<LocalWorkers> local;
  DispatcherOptions dopts;
  // Workers must be healthy (local ones also listening) within this.
  const absl::Duration kReadyWithin = absl::Seconds(60);
  const absl::Time ready_by = absl::Now() + kReadyWithin;
  if (!connect.empty()) {
    dopts.targets = absl::StrSplit(connect, ',', absl::SkipWhitespace());
  } else {
    LocalWorkersOptions lopts;
    lopts.binary = worker_binary.empty() ? DefaultWorkerBinary() : worker_binary;
    lopts.count = static_cast<int>(workers);
    // N workers on C cores: C / N threads each (at least one), so that the
    // workers do not oversubscribe the machine; --worker-arg=--threads=K
    // (given later on the command line) overrides it.
    lopts.extra_args.push_back(absl::StrCat(
        "--threads=", std::max<int64_t>(1, static_cast<int64_t>(AvailableCores()) / workers)));
    lopts.extra_args.insert(lopts.extra_args.end(), worker_args.begin(), worker_args.end());
    if (!model_dir.empty()) lopts.extra_args.push_back("--model-dir=" + model_dir);
    if (!topic_model.empty()) lopts.extra_args.push_back("--model=" + topic_model);
    absl::StatusOr<std::unique_ptr<LocalWorkers>> lw = LocalWorkers::Start(lopts);
    if (!lw.ok()) {
      std::fprintf(stderr, "qalam run: %s\n", std::string(lw.status().message()).c_str());
      return 1;
    }
    local = std::move(lw).value();
    // Connect once they listen, not before (see WaitUntilListening); one
    // that never does is left to the health checks below, which share the
    // same 60 s.
    local->WaitUntilListening(ready_by - absl::Now());
    dopts.targets = local->targets();
  }
  dopts.max_in_flight_per_worker = static_cast<int>(in_flight);
  dopts.call_timeout = absl::Seconds(call_timeout);
  dopts.security = security;
  absl::StatusOr<std::unique_ptr<Dispatcher>> dispatcher = Dispatcher::Create(dopts);
  if (!dispatcher.ok()) {
    std::fprintf(stderr, "qalam run: %s\n", std::string(dispatcher.status().message()).c_str());
    return 1;
  }
  spec.workers = static_cast<int>(dopts.targets.size());
  if (!(*dispatcher)->WaitForHealthyWorker(std::max(absl::Seconds(1), ready_by - absl::Now()))) {
    std::fprintf(stderr, "qalam run: no worker became healthy within 60 s (targets: %s)\n",
                 absl::StrJoin(dopts.targets, ",").c_str());
    return 1;
  }
  spec.workers = std::max(spec.workers, (*dispatcher)->Stats().workers_total);

  JobMonitor monitor;
  absl::StatusOr<JobResult> result;
  {
    ProgressPrinter progress(&monitor, dispatcher->get(), quiet,
                             absl::Seconds(std::max(0.05, progress_seconds)));
    result = RunJob(spec, dispatcher->get(), &monitor);
  }
  const DispatcherStats stats = (*dispatcher)->Stats();
  dispatcher->reset();
  if (local) local->Stop();
  if (!result.ok()) {
    std::fprintf(stderr, "qalam run: the job could not complete: %s\n",
                 result.status().ToString().c_str());
    if (result.status().code() != absl::StatusCode::kFailedPrecondition) {
      std::fprintf(stderr, "qalam run: what was done is kept; run again with --resume to finish\n");
    }
    return 1;
  }
  if (!quiet) {
    // CPU of this process (the coordinator) and of the local workers (reaped
    // children), so that the pipeline's overhead can be read off any run.
    rusage self{}, children{};
    getrusage(RUSAGE_SELF, &self);
    getrusage(RUSAGE_CHILDREN, &children);
    auto tv = [](const timeval& t) { return t.tv_sec + t.tv_usec / 1e6; };
    std::fprintf(stderr,
                 "qalam run: CPU: coordinator %.2f s (user %.2f, system %.2f), local workers "
                 "%.2f s (user %.2f, system %.2f)\n",
                 tv(self.ru_utime) + tv(self.ru_stime), tv(self.ru_utime), tv(self.ru_stime),
                 tv(children.ru_utime) + tv(children.ru_stime), tv(children.ru_utime),
                 tv(children.ru_stime));
    // ru_maxrss of RUSAGE_SELF: this process's own peak (VmHWM), in KiB.
    std::fprintf(stderr, "qalam run: peak memory: coordinator %.1f MB\n",
                 static_cast<double>(self.ru_maxrss) / 1024.0);
    std::fprintf(
        stderr,
        "qalam run: %llu articles: %llu processed, %llu failed (%.1f s, %.0f articles/s"
        "%s%s)\n"
        "qalam run: results in %s/results.jsonl, errors in %s/errors.jsonl, report in "
        "%s/report.json\n",
        static_cast<unsigned long long>(result->articles_in),
        static_cast<unsigned long long>(result->processed),
        static_cast<unsigned long long>(result->failed), result->seconds,
        result->seconds > 0
            ? static_cast<double>(result->articles_in - monitor.articles_skipped.load()) /
                  result->seconds
            : 0.0,
        result->resumed_from > 0
            ? absl::StrCat("; resumed after ", result->resumed_from, " input records").c_str()
            : "",
        stats.shards_retried > 0 ? absl::StrCat("; ", stats.shards_retried, " shard retries, ",
                                                stats.poison_records, " poison articles")
                                       .c_str()
                                 : "",
        output.c_str(), output.c_str(), output.c_str());
  }
  return 0;
}

int MergeCommand(int argc, char** argv) {
  std::string output;
  std::vector<std::string> parts;
  FlagSet flags(
      "qalam merge PART_DIR... -o DIR",
      "Combines the output folders of `qalam run --slice i/N` (every i of one N, same\n"
      "inputs and options) into DIR/results.jsonl, DIR/errors.jsonl and DIR/report.json,\n"
      "the same files one run over all the inputs gives.");
  flags.String("output", &output, "output folder", "DIR", 'o');
  absl::Status st = flags.Parse(argc, argv, 2, &parts);
  if (flags.help_requested()) {
    std::fputs(flags.Help().c_str(), stdout);
    return 0;
  }
  if (st.ok() && parts.empty()) st = absl::InvalidArgumentError("no part folder given");
  if (st.ok() && output.empty()) st = absl::InvalidArgumentError("-o DIR is required");
  if (!st.ok()) {
    std::fprintf(stderr, "qalam merge: %s\n", std::string(st.message()).c_str());
    return 2;
  }
  absl::StatusOr<MergeResult> r = MergeParts(parts, output);
  if (!r.ok()) {
    std::fprintf(stderr, "qalam merge: %s\n", std::string(r.status().message()).c_str());
    return 1;
  }
  std::fprintf(stderr,
               "qalam merge: %zu parts, %llu articles: %llu processed, %llu failed; results in "
               "%s/results.jsonl, errors in %s/errors.jsonl, report in %s/report.json\n",
               parts.size(), static_cast<unsigned long long>(r->processed + r->failed),
               static_cast<unsigned long long>(r->processed),
               static_cast<unsigned long long>(r->failed), output.c_str(), output.c_str(),
               output.c_str());
  return 0;
}

}  // namespace qalam
