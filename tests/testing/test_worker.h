// qalam-test-worker: the real qalam-worker server (workers/server.h: the same
// WorkerServer, RecordProcessor and Annotator, so its results are those of
// qalam-worker by construction) with knobs to misbehave, for the
// coordinator's failure tests. The knobs go through the runtime's
// BatchInterceptor, a testing hook that the production binary never
// installs, so qalam-worker itself carries no hidden failure flags.
//
//   --crash-after N      exit abruptly (_exit) when the N-th batch starts
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
// It also takes qalam-worker's --listen, --threads (default 1 here) and
// --model-dir, and prints "listening on ADDR port N" on stdout once it
// serves.
//
// Thread-safety: the interceptor is safe for concurrent batches.
#ifndef QALAM_TESTS_TESTING_TEST_WORKER_H_
#define QALAM_TESTS_TESTING_TEST_WORKER_H_

namespace qalam {
namespace testing {

// main() of the qalam-test-worker binary.
int TestWorkerMain(int argc, char** argv);

}  // namespace testing
}  // namespace qalam

#endif  // QALAM_TESTS_TESTING_TEST_WORKER_H_
