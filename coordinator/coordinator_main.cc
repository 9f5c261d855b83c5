// qalam-coordinator: see coordinator/coordinator_server.h.
#include "absl/synchronization/mutex.h"
#include "common/shutdown.h"
#include "coordinator/coordinator_server.h"

int main(int argc, char** argv) {
  // Debian's Abseil is built with Mutex deadlock detection on, which
  // records a lock-order graph on every lock: a cost on every call and every
  // pool hand-off. Tests keep it; the binaries turn it off.
  absl::SetMutexDeadlockDetectionMode(absl::OnDeadlockCycle::kIgnore);
  // The server has drained and its jobs have closed their files; leave
  // without gRPC's shutdown (see ExitProcess).
  qalam::ExitProcess(qalam::CoordinatorMain(argc, argv));
}
