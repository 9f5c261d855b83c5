#include "workers/worker_runtime.h"

#include <utility>

#include "common/log.h"
#include "common/status_macros.h"

namespace qalam {

absl::StatusOr<std::unique_ptr<WorkerRuntime>> WorkerRuntime::Create(
    WorkerRuntimeOptions options) {
  AnnotatorConfig config;
  config.model_dir = options.model_dir;
  config.topic_model = options.topic_model;
  QALAM_ASSIGN_OR_RETURN(std::unique_ptr<Annotator> annotator, Annotator::Create(config));
  return std::unique_ptr<WorkerRuntime>(new WorkerRuntime(std::move(options), std::move(annotator)));
}

WorkerRuntime::WorkerRuntime(WorkerRuntimeOptions options, std::unique_ptr<Annotator> annotator)
    : options_(std::move(options)), annotator_(std::move(annotator)) {
  {
    // Warm-up: touches the character tables, normaliser and stemmer data.
    RecordProcessor warm(*annotator_);
    v1::Document doc;
    doc.set_id("warm-up");
    doc.set_content(
        "قالت الحكومة إن الاقتصاد ينمو. The economy grew 3.5% in 2018, officials said.");
    v1::Annotation annotation;
    absl::Status s = warm.AnnotateDocument(doc, AnnotateOptions(), options_.limits, &annotation);
    QALAM_CHECK(s.ok()) << "warm-up article failed: " << s;
  }
  ThreadPool::Options pool_options;
  pool_options.num_threads = options_.threads;
  pool_options.max_queued = options_.max_queued;
  pool_options.name = "qalam-work";
  const int threads = options_.threads > 0 ? options_.threads : AvailableCores();
  processors_.reserve(static_cast<size_t>(threads));
  for (int i = 0; i < threads; ++i) {
    processors_.push_back(std::make_unique<RecordProcessor>(*annotator_));
  }
  pool_options.num_threads = threads;
  pool_ = std::make_unique<ThreadPool>(pool_options);
}

WorkerRuntime::~WorkerRuntime() { pool_->Shutdown(); }

RecordProcessor& WorkerRuntime::processor() {
  const int i = pool_->CurrentThreadIndex();
  QALAM_CHECK(i >= 0) << "WorkerRuntime::processor() called outside the pool";
  return *processors_[static_cast<size_t>(i)];
}

void WorkerRuntime::AddStreamBuffered(int64_t delta) {
  const int64_t now = stats_.stream_buffered.fetch_add(delta, std::memory_order_relaxed) + delta;
  int64_t max = stats_.stream_buffered_max.load(std::memory_order_relaxed);
  while (now > max &&
         !stats_.stream_buffered_max.compare_exchange_weak(max, now, std::memory_order_relaxed)) {
  }
}

}  // namespace qalam
