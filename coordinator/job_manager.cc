#include "coordinator/job_manager.h"

#include <filesystem>
#include <utility>

#include "absl/strings/str_cat.h"
#include "absl/time/clock.h"
#include "common/log.h"
#include "common/status_macros.h"
#include "workers/pipeline/annotator.h"

namespace qalam {

absl::Status JobOptionsToSpec(const v1::StartJobRequest& request, JobSpec* spec) {
  if (request.inputs().empty()) return absl::InvalidArgumentError("no inputs given");
  if (request.output_dir().empty()) return absl::InvalidArgumentError("no output_dir given");
  const v1::JobOptions& o = request.options();
  spec->inputs.assign(request.inputs().begin(), request.inputs().end());
  spec->output_dir = request.output_dir();
  spec->resume = request.resume();
  v1::BatchOptions& b = spec->batch;
  b.Clear();
  *b.mutable_features() = o.features();
  if (b.features().summary_sentences() == 0) b.mutable_features()->set_summary_sentences(3);
  if (b.features().keywords() == 0) b.mutable_features()->set_keywords(10);
  if (b.features().offset_encoding() == v1::OFFSET_ENCODING_UNSPECIFIED) {
    b.mutable_features()->set_offset_encoding(v1::UTF8);
  }
  if (b.features().summary_sentences() > static_cast<uint32_t>(kMaxSummarySentences) ||
      b.features().keywords() > static_cast<uint32_t>(kMaxKeywords)) {
    return absl::InvalidArgumentError(
        absl::StrCat("summary_sentences and keywords must be at most ", kMaxSummarySentences));
  }
  b.set_text_field(o.text_field().empty() ? "text" : o.text_field());
  b.set_id_field(o.id_field().empty() ? "id" : o.id_field());
  b.set_title_field(o.title_field().empty() ? "title" : o.title_field());
  b.set_lang_field(o.lang_field().empty() ? "lang" : o.lang_field());
  b.set_replace_invalid_utf8(o.replace_invalid_utf8());
  b.set_max_article_bytes(o.max_article_bytes() > 0 ? o.max_article_bytes() : (16u << 20));
  if (o.shard_size() > 0) spec->shard_records = static_cast<int>(o.shard_size());
  if (!o.slice().empty()) {
    QALAM_RETURN_IF_ERROR(ParseSlice(o.slice(), &spec->slice_index, &spec->slice_count));
  }
  return absl::OkStatus();
}

JobManager::JobManager(Dispatcher* dispatcher, int workers)
    : dispatcher_(dispatcher), workers_(workers) {}

JobManager::~JobManager() {
  std::vector<std::thread> threads;
  {
    absl::MutexLock l(&mu_);
    for (auto& [id, e] : jobs_) {
      (void)id;
      e->monitor.cancel = true;
      if (e->thread.joinable()) threads.push_back(std::move(e->thread));
    }
  }
  for (std::thread& t : threads) t.join();
}

absl::StatusOr<v1::Job> JobManager::Start(const v1::StartJobRequest& request) {
  JobSpec spec;
  QALAM_RETURN_IF_ERROR(JobOptionsToSpec(request, &spec));
  spec.workers = workers_;
  std::error_code ec;
  const std::string dir =
      std::filesystem::absolute(request.output_dir(), ec).lexically_normal().string();
  absl::MutexLock l(&mu_);
  for (const auto& [id, e] : jobs_) {
    if (!IsTerminal(e->state) &&
        std::filesystem::absolute(e->request.output_dir(), ec).lexically_normal().string() == dir) {
      return absl::FailedPreconditionError(
          absl::StrCat("job ", id, " is writing to '", request.output_dir(), "'"));
    }
  }
  const std::string id = absl::StrCat("job-", next_id_++);
  auto entry = std::make_unique<Entry>();
  Entry* e = entry.get();
  e->request = request;
  e->state = v1::RUNNING;
  e->started_at = absl::ToDoubleSeconds(absl::Now() - absl::UnixEpoch());
  jobs_[id] = std::move(entry);
  e->thread = std::thread([this, e, id, spec] {
    QALAM_LOG(INFO) << id << ": started (" << spec.inputs.size() << " inputs -> " << spec.output_dir
                    << ")";
    absl::StatusOr<JobResult> r = RunJob(spec, dispatcher_, &e->monitor);
    absl::MutexLock l(&mu_);
    e->finished_at = absl::ToDoubleSeconds(absl::Now() - absl::UnixEpoch());
    if (r.ok()) {
      e->state = v1::SUCCEEDED;
      e->report = std::move(r->report_json);
    } else if (absl::IsCancelled(r.status())) {
      e->state = v1::CANCELLED;
      e->error = std::string(r.status().message());
    } else {
      e->state = v1::FAILED;
      e->error = r.status().ToString();
    }
    QALAM_LOG(INFO) << id << ": " << v1::JobState_Name(e->state) << " " << e->error;
  });
  return Snapshot(id, *e);
}

v1::Job JobManager::Snapshot(const std::string& id, const Entry& e) const {
  v1::Job job;
  job.set_job_id(id);
  job.set_state(e.state);
  *job.mutable_request() = e.request;
  job.set_report_json(e.report);
  job.set_error(e.error);
  job.set_started_at(e.started_at);
  job.set_finished_at(e.finished_at);
  v1::JobProgress* p = job.mutable_progress();
  const JobMonitor& m = e.monitor;
  p->set_articles_read(m.articles_read.load());
  p->set_articles_processed(m.articles_processed.load());
  p->set_articles_failed(m.articles_failed.load());
  p->set_bytes_read(m.bytes_read.load());
  p->set_bytes_total(m.bytes_total.load());
  p->set_shards_done(m.shards_done.load());
  const double end =
      e.finished_at > 0 ? e.finished_at : absl::ToDoubleSeconds(absl::Now() - absl::UnixEpoch());
  const double secs = end - e.started_at;
  const uint64_t done =
      m.articles_processed.load() + m.articles_failed.load() - m.articles_skipped.load();
  p->set_articles_per_second(secs > 0 ? static_cast<double>(done) / secs : 0);
  const double frac = m.bytes_total.load() > 0
                          ? static_cast<double>(m.bytes_read.load()) / m.bytes_total.load()
                          : 0;
  p->set_eta_seconds(frac > 0.01 && !IsTerminal(e.state) ? secs * (1 - frac) / frac : -1);
  const DispatcherStats s = dispatcher_->Stats();
  p->set_workers_alive(static_cast<uint32_t>(s.workers_alive));
  p->set_workers_total(static_cast<uint32_t>(s.workers_total));
  p->set_shards_retried(s.shards_retried);
  return job;
}

absl::StatusOr<v1::Job> JobManager::Get(const std::string& job_id) const {
  absl::MutexLock l(&mu_);
  auto it = jobs_.find(job_id);
  if (it == jobs_.end()) return absl::NotFoundError(absl::StrCat("no job '", job_id, "'"));
  return Snapshot(job_id, *it->second);
}

absl::StatusOr<v1::Job> JobManager::Cancel(const std::string& job_id) {
  absl::MutexLock l(&mu_);
  auto it = jobs_.find(job_id);
  if (it == jobs_.end()) return absl::NotFoundError(absl::StrCat("no job '", job_id, "'"));
  it->second->monitor.cancel = true;
  return Snapshot(job_id, *it->second);
}

std::vector<v1::Job> JobManager::List() const {
  absl::MutexLock l(&mu_);
  std::vector<v1::Job> out;
  for (const auto& [id, e] : jobs_) out.push_back(Snapshot(id, *e));
  return out;
}

}  // namespace qalam
