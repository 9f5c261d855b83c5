// A test-only qalam.v1.Worker: a real gRPC server that processes batches
// with the shared Annotator (so its result lines are those of `qalam
// annotate`), plus knobs to misbehave for failure tests:
//
//   --crash-after N      exit abruptly (_exit) when the N-th batch arrives
//   --hang-after N       from the N-th batch on, never answer (until the
//                        caller gives up); health still says SERVING
//   --error-after N      from the N-th batch on, fail every batch (INTERNAL)
//   --slow-ms MS         sleep this long per batch
//   --poison-crash S     exit abruptly on a batch holding a record with S
//   --poison-hang S      hang on a batch holding a record with S
//   --seq-log FILE       append the seq of every record processed (one per
//                        line) before answering: what tests count
//   --unhealthy-file F   report NOT_SERVING while file F exists
//
// Thread-safety: the service is safe for concurrent calls; batches run on
// a small pool of its own.
#ifndef QALAM_TESTS_TESTING_TEST_WORKER_H_
#define QALAM_TESTS_TESTING_TEST_WORKER_H_

#include <cstdint>
#include <string>

#include "qalam/v1/worker.pb.h"
#include "workers/pipeline/annotator.h"

namespace qalam {
namespace testing {

// Processes one batch as a worker does: parses each record with the
// request's options, annotates it, renders its result line (and its
// RecordStats when asked), or records its error. Used by the test worker;
// the same steps as `qalam annotate`.
void ProcessBatchLocally(const Annotator& annotator, const v1::BatchRequest& request,
                         v1::BatchResponse* response);

// main() of the qalam-test-worker binary.
int TestWorkerMain(int argc, char** argv);

}  // namespace testing
}  // namespace qalam

#endif  // QALAM_TESTS_TESTING_TEST_WORKER_H_
