// WorkerServer: a running qalam-worker server. It owns the WorkerRuntime
// (annotator, thread pool), the gRPC services (qalam.v1.Worker,
// qalam.v1.Annotator), the standard health service (grpc.health.v1.Health)
// and server reflection, and implements graceful shutdown.
//
//   WorkerServerOptions o;
//   o.listen = "127.0.0.1:0";                       // any free port
//   auto server = WorkerServer::Start(std::move(o));
//   if (!server.ok()) return Fail(server.status());
//   std::cerr << (*server)->address();              // "127.0.0.1:41234"
//   ...
//   (*server)->Shutdown(absl::Seconds(30));         // from a shutdown thread
//
// Health: the services "", "qalam.v1.Worker" and "qalam.v1.Annotator" report
// SERVING once the runtime is ready (the annotator is built and warmed up
// before the port opens, and the statuses are set NOT_SERVING and then
// SERVING right after it does), and NOT_SERVING for good once Shutdown()
// begins.
//
// Thread-safety: safe for concurrent use; Shutdown() may be called from any
// thread except a gRPC or pool thread, any number of times.
#ifndef QALAM_WORKERS_SERVER_H_
#define QALAM_WORKERS_SERVER_H_

#include <grpcpp/grpcpp.h>

#include <cstddef>
#include <memory>
#include <string>

#include "absl/base/thread_annotations.h"
#include "absl/status/statusor.h"
#include "absl/synchronization/mutex.h"
#include "absl/time/time.h"
#include "workers/worker_runtime.h"

namespace qalam {

class AnnotatorService;
class WorkerService;

struct WorkerServerOptions {
  // host:port (port 0 picks a free one), [v6]:port or unix:/path.
  // Loopback by default: listening elsewhere is an explicit decision.
  std::string listen = "127.0.0.1:50051";
  // Largest message received or sent, in bytes (gRPC's own default is 4 MiB).
  // Larger requests fail with RESOURCE_EXHAUSTED before any work is done.
  size_t max_message_bytes = 64u << 20;
  WorkerRuntimeOptions runtime;
  // Transport credentials; null means plaintext (InsecureServerCredentials).
  // See common/security.h for TLS, mutual TLS and bearer tokens.
  std::shared_ptr<grpc::ServerCredentials> credentials;
};

class WorkerServer {
 public:
  // Builds the runtime and starts serving. Returns InvalidArgument for
  // options that make no sense (a zero message size), Unavailable when the
  // address cannot be listened on (in use, not local, bad syntax).
  static absl::StatusOr<std::unique_ptr<WorkerServer>> Start(WorkerServerOptions options);

  // Shutdown(absl::ZeroDuration()) if it was not called.
  ~WorkerServer();

  WorkerServer(const WorkerServer&) = delete;
  WorkerServer& operator=(const WorkerServer&) = delete;

  // The address clients can dial: options.listen with the chosen port when
  // it was 0 ("127.0.0.1:41234"), or the unix: address as given.
  const std::string& address() const { return address_; }
  // The TCP port listened on; 0 for a unix socket.
  int port() const { return port_; }

  // Graceful shutdown, in this order:
  //   1. health reports NOT_SERVING for every service (and keeps doing so);
  //   2. new Worker / Annotator calls are refused with UNAVAILABLE;
  //   3. calls in flight may finish, for at most `grace`;
  //   4. the gRPC server shuts down, cancelling whatever still runs (calls
  //      past the grace period, health watches, reflection streams);
  //   5. the thread pool is drained and joined.
  // Blocks until done. Idempotent: later calls wait for the first to finish.
  // Step 3 waits on our own calls rather than passing now + grace to
  // grpc::Server::Shutdown, so that a client's open health Watch stream
  // (which never ends by itself) does not hold every shutdown for the full
  // grace period.
  void Shutdown(absl::Duration grace);

  // Blocks until Shutdown() has finished.
  void Wait();

  // True once Shutdown() has begun.
  bool draining() const;

  // Reports every service SERVING or NOT_SERVING on the health service
  // (maintenance, or a test of the coordinator's health checks); calls keep
  // being served either way. A no-op once Shutdown() has begun: a draining
  // server stays NOT_SERVING.
  void SetServing(bool serving);

  WorkerRuntime& runtime() { return *runtime_; }

  // A channel to this server that bypasses the network (tests).
  std::shared_ptr<grpc::Channel> InProcessChannel();

 private:
  WorkerServer();

  std::unique_ptr<WorkerRuntime> runtime_;
  std::unique_ptr<WorkerService> worker_service_;
  std::unique_ptr<AnnotatorService> annotator_service_;
  std::unique_ptr<grpc::Server> server_;  // after the services: destroyed first
  std::string address_;
  int port_ = 0;

  mutable absl::Mutex mu_;
  bool draining_ ABSL_GUARDED_BY(mu_) = false;
  bool shut_down_ ABSL_GUARDED_BY(mu_) = false;
  // Serialises Shutdown() calls.
  absl::Mutex shutdown_mu_;
};

}  // namespace qalam

#endif  // QALAM_WORKERS_SERVER_H_
