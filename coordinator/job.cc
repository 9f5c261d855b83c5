#include "coordinator/job.h"

#include <sys/stat.h>

#include <algorithm>
#include <filesystem>
#include <map>
#include <memory>
#include <thread>
#include <utility>

#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_split.h"
#include "absl/synchronization/mutex.h"
#include "absl/time/clock.h"
#include "common/log.h"
#include "common/status_macros.h"
#include "coordinator/encoded_batch.h"
#include "coordinator/input.h"
#include "coordinator/output_store.h"
#include "coordinator/report.h"
#include "workers/pipeline/annotator.h"
#include "workers/pipeline/article.h"

namespace qalam {
namespace {

namespace fs = std::filesystem;

// One item of a shard, in input order: a record sent to the workers, or a
// record the reader already failed on.
struct Item {
  int request_index = -1;  // into the shard's EncodedBatch; -1: read error
  uint64_t seq = 0;
  uint32_t file_index = 0;
  uint64_t line = 0;
  std::string id;  // text files: their id
  absl::Status read_error;
};

struct JobShard {
  uint64_t index = 0;
  uint64_t end_position = 0;  // every position below is covered once committed
  std::vector<Item> items;
  std::shared_ptr<EncodedBatch> encoded;  // while the reader fills it
  std::shared_ptr<DispatchShard> dispatch;
  absl::Status status;
};

// What the reader, the dispatcher's callbacks and the writer share. Held by
// shared_ptr so that late callbacks stay safe after RunJob returns.
struct Shared {
  absl::Mutex mu;
  std::map<uint64_t, std::unique_ptr<JobShard>> done ABSL_GUARDED_BY(mu);
  uint64_t submitted ABSL_GUARDED_BY(mu) = 0;
  uint64_t committed ABSL_GUARDED_BY(mu) = 0;
  bool reading_done ABSL_GUARDED_BY(mu) = false;
  uint64_t final_positions ABSL_GUARDED_BY(mu) = 0;
  absl::Status failure ABSL_GUARDED_BY(mu);  // first error: stops the job
  bool writer_done ABSL_GUARDED_BY(mu) = false;
};

void AppendIdentityInput(const std::string& path, std::string* out) {
  if (path == "<stdin>") {
    out->append("input <stdin>\n");
    return;
  }
  struct stat st;
  std::error_code ec;
  std::string abs = fs::absolute(path, ec).lexically_normal().string();
  if (::stat(path.c_str(), &st) == 0) {
    absl::StrAppend(
        out, "input ", abs, " size=", st.st_size,
        " mtime=", static_cast<int64_t>(st.st_mtim.tv_sec) * 1000000000 + st.st_mtim.tv_nsec, "\n");
  } else {
    absl::StrAppend(out, "input ", abs, " missing\n");
  }
}

}  // namespace

size_t ShardBytesFor(uint64_t input_bytes, int workers) {
  constexpr size_t kMin = 64 << 10, kMax = 2 << 20;
  if (input_bytes == 0) return kMax;
  const uint64_t quarter_share = input_bytes / (4 * static_cast<uint64_t>(std::max(1, workers)));
  return static_cast<size_t>(std::clamp<uint64_t>(quarter_share, kMin, kMax));
}

absl::Status ParseSlice(const std::string& text, int* index, int* count) {
  std::vector<std::string> parts = absl::StrSplit(text, '/');
  int i = 0, n = 0;
  if (parts.size() != 2 || !absl::SimpleAtoi(parts[0], &i) || !absl::SimpleAtoi(parts[1], &n) ||
      n < 1 || i < 0 || i >= n) {
    return absl::InvalidArgumentError(
        absl::StrCat("bad slice '", text, "': expected i/N with 0 <= i < N"));
  }
  *index = i;
  *count = n;
  return absl::OkStatus();
}

absl::StatusOr<std::string> JobIdentity(const JobSpec& spec) {
  QALAM_ASSIGN_OR_RETURN(std::unique_ptr<InputReader> reader, InputReader::Open(spec.inputs));
  std::string id = "qalam-job 1\n";
  for (const std::string& f : reader->files()) AppendIdentityInput(f, &id);
  const v1::BatchOptions& b = spec.batch;
  const v1::Features& f = b.features();
  absl::StrAppend(&id, "fields text=", b.text_field(), " id=", b.id_field(),
                  " title=", b.title_field(), " lang=", b.lang_field(), "\n");
  absl::StrAppend(&id, "max_article_bytes ", b.max_article_bytes(), "\n");
  absl::StrAppend(&id, "replace_invalid_utf8 ", b.replace_invalid_utf8() ? 1 : 0, "\n");
  absl::StrAppend(&id, "features sentences=", f.extract_sentences(),
                  " language=", f.identify_language(), " classify=", f.classify(),
                  " summarize=", f.summarize(), " keywords=", f.extract_keywords(),
                  " summary_sentences=", f.summary_sentences(), " n_keywords=", f.keywords(),
                  " offsets=", static_cast<int>(f.offset_encoding()), "\n");
  absl::StrAppend(&id, "slice ", spec.slice_index, "/", spec.slice_count, "\n");
  return id;
}

absl::StatusOr<JobResult> RunJob(const JobSpec& spec, Dispatcher* dispatcher, JobMonitor* monitor) {
  const absl::Time start = absl::Now();
  if (spec.slice_count < 1 || spec.slice_index < 0 || spec.slice_index >= spec.slice_count) {
    return absl::InvalidArgumentError("bad slice");
  }
  InputOptions input_options;
  const uint64_t max_article =
      spec.batch.max_article_bytes() > 0 ? spec.batch.max_article_bytes() : (16u << 20);
  input_options.max_record_bytes = std::max<size_t>(static_cast<size_t>(max_article) * 2, 1 << 20);
  QALAM_ASSIGN_OR_RETURN(std::unique_ptr<InputReader> reader,
                         InputReader::Open(spec.inputs, input_options));
  QALAM_ASSIGN_OR_RETURN(std::string identity, JobIdentity(spec));
  QALAM_ASSIGN_OR_RETURN(std::unique_ptr<OutputStore> store,
                         OutputStore::Open(spec.output_dir, identity, spec.resume));
  const Checkpoint resumed = store->resumed();
  JobResult result;
  result.resumed_from = resumed.positions;
  result.already_complete = resumed.complete;
  monitor->articles_processed = resumed.results;
  monitor->articles_failed = resumed.errors;
  monitor->articles_skipped = resumed.results + resumed.errors;
  monitor->bytes_total = reader->bytes_total();
  if (resumed.positions > 0) {
    QALAM_LOG(INFO) << "resuming " << spec.output_dir << ": " << resumed.positions
                    << " input records were committed by an earlier run (" << resumed.results
                    << " results, " << resumed.errors
                    << " errors); they are skipped, not processed again";
  }

  v1::BatchOptions batch = spec.batch;
  batch.set_json_results(true);
  batch.set_record_stats(true);
  const std::vector<std::string> files = reader->files();
  const int workers = std::max(1, spec.workers);
  // Automatic shards are sized on this slice's share of the inputs.
  const uint64_t slice_bytes =
      reader->bytes_total() / static_cast<uint64_t>(std::max(1, spec.slice_count));
  const size_t shard_bytes =
      spec.shard_bytes > 0 ? spec.shard_bytes : ShardBytesFor(slice_bytes, workers);
  // The shards read ahead of the oldest unfinished one: 8 per worker, at
  // least 16, but no more than 64 MiB of them while that leaves 3 per worker
  // and 4 to spare (what is in flight), so that larger shards do not
  // multiply the coordinator's memory.
  int window = spec.window_shards;
  if (window <= 0) {
    const int by_bytes = static_cast<int>(std::min<size_t>((64u << 20) / shard_bytes, 1 << 20));
    window = std::max(std::min(std::max(16, 8 * workers), by_bytes), 3 * workers + 4);
  }

  auto shared = std::make_shared<Shared>();

  // report.json is built as the lines are written (the workers send the
  // fields it counts), so the job ends without a pass over its output;
  // what earlier runs committed is read back first.
  ReportBuilder report;
  if (resumed.results + resumed.errors > 0) {
    QALAM_RETURN_IF_ERROR(AddJobFiles(StateResultsPath(spec.output_dir),
                                      StateErrorsPath(spec.output_dir),
                                      IndexPath(spec.output_dir), &report));
  }

  // The writer: commits finished shards in order.
  std::thread writer([&, shared] {
    absl::Time last_commit = absl::Now();
    std::string line;
    ArticleFields fields;
    if (!batch.text_field().empty()) fields.text = batch.text_field();
    if (!batch.id_field().empty()) fields.id = batch.id_field();
    ArticleLimits limits;
    limits.replace_invalid_utf8 = true;
    ArticleParser id_parser(fields, limits);
    ReportFields report_fields;
    absl::Status status;
    for (;;) {
      std::vector<std::unique_ptr<JobShard>> batch_done;
      bool finish = false;
      {
        absl::MutexLock l(&shared->mu);
        auto ready = [&]() ABSL_EXCLUSIVE_LOCKS_REQUIRED(shared->mu) {
          return !shared->failure.ok() ||
                 (!shared->done.empty() && shared->done.begin()->first == shared->committed) ||
                 (shared->reading_done && shared->committed == shared->submitted);
        };
        shared->mu.AwaitWithTimeout(absl::Condition(&ready), absl::Milliseconds(500));
        while (shared->failure.ok() && !shared->done.empty() &&
               shared->done.begin()->first == shared->committed + batch_done.size()) {
          batch_done.push_back(std::move(shared->done.begin()->second));
          shared->done.erase(shared->done.begin());
        }
        finish = shared->failure.ok() && shared->reading_done &&
                 shared->committed + batch_done.size() == shared->submitted;
        if (!shared->failure.ok() && batch_done.empty()) {
          break;
        }
      }
      for (std::unique_ptr<JobShard>& sh : batch_done) {
        if (!sh->status.ok()) {
          status = sh->status;
          break;
        }
        for (const Item& item : sh->items) {
          const std::string& file = files[item.file_index];
          IndexEntry e;
          e.seq = item.seq;
          line.clear();
          if (item.request_index < 0) {
            AppendErrorJson(file, item.line, item.id, item.read_error, &line);
            e.kind = IndexEntry::kError;
            store->AppendError(line, e);
            report.AddError(line);
            ++monitor->articles_failed;
            continue;
          }
          const v1::RecordResult* result =
              sh->dispatch->results[static_cast<size_t>(item.request_index)];
          const v1::RecordResult& r =
              result != nullptr ? *result : v1::RecordResult::default_instance();
          // A result goes into the report with the fields the worker sent,
          // or, from a worker that sent none, with the line parsed here.
          bool as_result = false;
          if (r.outcome_case() == v1::RecordResult::kResultJson) {
            e.kind = IndexEntry::kResult;
            if (r.has_stats()) {
              e.flags |= IndexEntry::kHasStats;
              e.chars = r.stats().chars();
              e.text_hash = r.stats().text_hash();
              for (int i = 0; i < kMinHashSize && i < r.stats().minhash_size(); ++i) {
                e.minhash[i] = r.stats().minhash(i);
              }
            }
            if (r.has_stats() && r.stats().has_report() &&
                ReportFieldsFromProto(r.stats().report(), &report_fields)) {
              report.AddResult(report_fields, e, r.result_json().size() + 1);
              as_result = true;
            } else {
              as_result = report.AddResultLine(r.result_json(), e).ok();
            }
          }
          if (as_result) {
            store->AppendResult(r.result_json(), e);
            ++monitor->articles_processed;
          } else {
            absl::Status err;
            std::string id = item.id;
            if (r.outcome_case() == v1::RecordResult::kError) {
              err = absl::Status(static_cast<absl::StatusCode>(r.error().code()),
                                 r.error().message());
              if (err.ok()) err = absl::UnknownError(r.error().message());
              if (!r.error().id().empty()) {
                id = r.error().id();
              } else if (id.empty() &&
                         std::find(sh->dispatch->poisoned.begin(), sh->dispatch->poisoned.end(),
                                   item.request_index) != sh->dispatch->poisoned.end()) {
                // A record the workers could not answer for (a poison
                // article): read its id here, off the hot path, so the error
                // line names it.
                v1::Record rec;
                if (sh->dispatch->batch->DecodeRecord(item.request_index, &rec) && rec.has_json()) {
                  ArticleView unused;
                  id_parser.Parse(rec.json(), item.line, &unused, &id).IgnoreError();
                }
              }
            } else if (r.outcome_case() == v1::RecordResult::kResultJson) {
              err = absl::InternalError("the worker returned a result that is not a JSON object");
              e = IndexEntry();
              e.seq = item.seq;
            } else {
              err = absl::InternalError("the worker returned no result for this record");
            }
            AppendErrorJson(file, item.line, id, err, &line);
            e.kind = IndexEntry::kError;
            store->AppendError(line, e);
            report.AddError(line);
            ++monitor->articles_failed;
          }
        }
        store->SetPositions(sh->end_position);
        ++monitor->shards_done;
      }
      if (status.ok() && !batch_done.empty() &&
          (finish || store->uncommitted_bytes() >= (64u << 20) ||
           absl::Now() - last_commit >= absl::Seconds(spec.commit_seconds))) {
        status = store->Commit(absl::ToDoubleSeconds(absl::Now() - start));
        last_commit = absl::Now();
      }
      absl::MutexLock l(&shared->mu);
      if (!status.ok()) {
        if (shared->failure.ok()) shared->failure = status;
        break;
      }
      shared->committed += batch_done.size();
      if (finish) break;
    }
    if (status.ok()) {
      // Whatever was committed in order stays committed (cancel, failure).
      absl::Status s = store->Commit(absl::ToDoubleSeconds(absl::Now() - start));
      if (!s.ok()) status = s;
    }
    absl::MutexLock l(&shared->mu);
    if (!status.ok() && shared->failure.ok()) shared->failure = status;
    shared->writer_done = true;
  });

  // The reader: this thread.
  uint64_t position = 0;
  uint64_t shard_index = 0;
  std::unique_ptr<JobShard> cur;
  size_t cur_bytes = 0;
  auto submit = [&]() {
    if (!cur) return;
    cur->end_position = position;
    cur->index = shard_index++;
    cur->dispatch->batch = std::move(cur->encoded);
    JobShard* raw = cur.release();
    // A weak reference: a shard that finishes after RunJob returned (it
    // failed or was cancelled) is dropped, and there is no reference cycle
    // (shard -> callback -> job state -> shard).
    std::weak_ptr<Shared> weak = shared;
    raw->dispatch->on_done = [weak, raw](DispatchShard*, absl::Status status) {
      std::unique_ptr<JobShard> owned(raw);
      std::shared_ptr<Shared> sh = weak.lock();
      if (sh == nullptr) return;
      absl::MutexLock l(&sh->mu);
      owned->status = status;
      if (!status.ok() && sh->failure.ok()) sh->failure = status;
      sh->done.emplace(owned->index, std::move(owned));
    };
    {
      absl::MutexLock l(&shared->mu);
      ++shared->submitted;
    }
    std::shared_ptr<DispatchShard> d = raw->dispatch;
    dispatcher->Submit(std::move(d));
    cur_bytes = 0;
  };
  auto new_shard = [&]() {
    cur = std::make_unique<JobShard>();
    cur->dispatch = std::make_shared<DispatchShard>();
    // The next shard index: submit() hands them out in this order.
    cur->encoded = std::make_shared<EncodedBatch>(shard_index, batch, shard_bytes);
  };

  InputRecord rec;
  absl::Status stop;
  while (reader->Next(&rec)) {
    const uint64_t pos = position++;
    monitor->bytes_read = reader->bytes_read();
    if (pos < resumed.positions) continue;
    if (pos % static_cast<uint64_t>(spec.slice_count) != static_cast<uint64_t>(spec.slice_index)) {
      continue;
    }
    ++monitor->articles_read;
    if (!cur) new_shard();
    Item item;
    item.seq = pos;
    item.file_index = rec.file_index;
    item.line = rec.line;
    if (!rec.error.ok()) {
      item.read_error = rec.error;
      item.id = rec.id;
    } else {
      item.request_index = cur->encoded->size();
      cur_bytes += rec.text.size() + 16;
      // The record's bytes go to the wire as they are, encoded in place.
      if (rec.kind == InputRecord::Kind::kJsonLine) {
        cur->encoded->AddJson(pos, rec.line, rec.text);
      } else {
        item.id = rec.id;
        cur->encoded->AddDocument(pos, rec.line, rec.id, rec.text);
      }
    }
    cur->items.push_back(std::move(item));
    if (static_cast<int>(cur->items.size()) >= spec.shard_records || cur_bytes >= shard_bytes) {
      // Close the shard at the next position, so end_position covers it.
      submit();
      absl::MutexLock l(&shared->mu);
      auto room = [&]() ABSL_EXCLUSIVE_LOCKS_REQUIRED(shared->mu) {
        return shared->submitted - shared->committed < static_cast<uint64_t>(window) ||
               !shared->failure.ok() || monitor->cancel.load();
      };
      while (!shared->mu.AwaitWithTimeout(absl::Condition(&room), absl::Milliseconds(200))) {
      }
      if (!shared->failure.ok()) break;
    }
    if (monitor->cancel.load()) {
      stop = absl::CancelledError("the job was cancelled");
      break;
    }
  }
  if (stop.ok()) {
    absl::MutexLock l(&shared->mu);
    if (!shared->failure.ok()) stop = shared->failure;
  }
  if (stop.ok()) {
    submit();
  } else {
    cur.reset();
  }
  {
    absl::MutexLock l(&shared->mu);
    shared->reading_done = true;
    shared->final_positions = position;
    if (!stop.ok() && shared->failure.ok()) shared->failure = stop;
    // On cancel/failure, wait for the shards in flight, so that what is
    // complete in order is committed.
    auto writer_done = [&]() ABSL_EXCLUSIVE_LOCKS_REQUIRED(shared->mu) {
      return shared->writer_done || shared->committed == shared->submitted;
    };
    shared->mu.Await(absl::Condition(&writer_done));
  }
  writer.join();
  {
    absl::MutexLock l(&shared->mu);
    shared->done.clear();
    if (!shared->failure.ok()) return shared->failure;
  }
  // All shards are committed: positions up to the end of the input are done.
  store->SetPositions(std::max(position, resumed.positions));
  result.seconds = absl::ToDoubleSeconds(absl::Now() - start);
  QALAM_RETURN_IF_ERROR(store->Finish(result.seconds));
  ReportTiming timing;
  timing.seconds = store->current().seconds;
  timing.workers = spec.workers;
  const fs::path dir = spec.output_dir;
  QALAM_ASSIGN_OR_RETURN(result.report_json,
                         report.Finish((dir / "results.jsonl").string(),
                                       IndexPath(spec.output_dir), timing));
  QALAM_RETURN_IF_ERROR(WriteFileAtomically((dir / "report.json").string(), result.report_json));
  QALAM_RETURN_IF_ERROR(store->MarkComplete());
  result.processed = store->current().results;
  result.failed = store->current().errors;
  result.articles_in = result.processed + result.failed;
  return result;
}

}  // namespace qalam
