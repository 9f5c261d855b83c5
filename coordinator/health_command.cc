// qalam health: one grpc.health.v1.Health/Check call, for humans, compose
// health checks and Kubernetes exec probes (grpc_health_probe is not in
// Debian; Kubernetes' native gRPC probes cannot speak TLS).
#include <chrono>
#include <condition_variable>
#include <cstdint>
#include <cstdio>
#include <memory>
#include <mutex>
#include <string>
#include <vector>

#include "absl/status/status.h"
#include "absl/strings/str_cat.h"
#include "common/cli.h"
#include "common/security.h"
#include "coordinator/commands.h"
#include "grpcpp/generic/generic_stub.h"
#include "grpcpp/grpcpp.h"

namespace qalam {
namespace {

constexpr char kCheckMethod[] = "/grpc.health.v1.Health/Check";

// grpc.health.v1.HealthCheckRequest{service = 1}.
grpc::ByteBuffer CheckRequest(const std::string& service) {
  std::string bytes;
  if (!service.empty()) {
    bytes.push_back('\x0a');
    size_t n = service.size();
    while (n >= 0x80) {
      bytes.push_back(static_cast<char>((n & 0x7f) | 0x80));
      n >>= 7;
    }
    bytes.push_back(static_cast<char>(n));
    bytes.append(service);
  }
  grpc::Slice slice(bytes);
  return grpc::ByteBuffer(&slice, 1);
}

// HealthCheckResponse{status = 1 (enum)}: the value of field 1, 0 (UNKNOWN)
// when absent; -1 when the bytes are not such a message.
int64_t ParseStatus(const grpc::ByteBuffer& buffer) {
  std::vector<grpc::Slice> slices;
  if (!buffer.Dump(&slices).ok()) return -1;
  std::string b;
  for (const grpc::Slice& s : slices) b.append(reinterpret_cast<const char*>(s.begin()), s.size());
  int64_t status = 0;
  size_t i = 0;
  auto varint = [&](uint64_t* v) {
    *v = 0;
    for (int shift = 0; i < b.size() && shift < 64; shift += 7) {
      const uint8_t c = static_cast<uint8_t>(b[i++]);
      *v |= static_cast<uint64_t>(c & 0x7f) << shift;
      if ((c & 0x80) == 0) return true;
    }
    return false;
  };
  while (i < b.size()) {
    uint64_t key, v;
    if (!varint(&key)) return -1;
    switch (key & 7) {
      case 0:
        if (!varint(&v)) return -1;
        if (key >> 3 == 1) status = static_cast<int64_t>(v);
        break;
      case 1:
        i += 8;
        break;
      case 2:
        if (!varint(&v) || v > b.size() - i) return -1;
        i += v;
        break;
      case 5:
        i += 4;
        break;
      default:
        return -1;
    }
    if (i > b.size()) return -1;
  }
  return status;
}

const char* StatusName(int64_t s) {
  switch (s) {
    case 0:
      return "UNKNOWN";
    case 1:
      return "SERVING";
    case 2:
      return "NOT_SERVING";
    case 3:
      return "SERVICE_UNKNOWN";
    default:
      return "INVALID";
  }
}

}  // namespace

int HealthCommand(int argc, char** argv) {
  double timeout = 5;
  bool quiet = false;
  ClientSecurityOptions security;
  FlagSet flags("qalam health ADDR [SERVICE]",
                "Asks the gRPC server at ADDR (host:port, unix:/path, dns:///name:port) for the\n"
                "health of SERVICE (grpc.health.v1.Health/Check; default \"\", the server as a\n"
                "whole; qalam-worker also answers for qalam.v1.Worker and qalam.v1.Annotator,\n"
                "qalam-coordinator for qalam.v1.Coordinator). Prints the status and exits 0\n"
                "when it is SERVING, 1 when the server answers anything else (NOT_SERVING,\n"
                "unknown service), 3 when no answer came (unreachable, timeout, TLS failure),\n"
                "2 for a usage error. The health service needs no token.");
  flags.Double("timeout", &timeout, "deadline of the call, connection included", "SECONDS");
  flags.Bool("quiet", &quiet, "print nothing; the exit status says it");
  flags.Bool("tls", &security.tls, "use TLS (implied by --tls-ca); system roots verify the server");
  flags.String("tls-ca", &security.tls_ca_file,
               "PEM CA bundle that signed the server's certificate", "FILE");
  flags.String("tls-cert", &security.tls_cert_file, "PEM client certificate (mutual TLS)", "FILE");
  flags.String("tls-key", &security.tls_key_file, "PEM private key of --tls-cert", "FILE");
  flags.String("tls-server-name", &security.tls_server_name,
               "name to verify in the server's certificate instead of ADDR's host", "NAME");
  std::vector<std::string> args;
  absl::Status st = flags.Parse(argc, argv, 2, &args);
  if (flags.help_requested()) {
    std::fputs(flags.Help().c_str(), stdout);
    return 0;
  }
  if (st.ok() && (args.empty() || args.size() > 2)) {
    st = absl::InvalidArgumentError("expected ADDR [SERVICE]");
  }
  if (st.ok() && !(timeout > 0)) st = absl::InvalidArgumentError("--timeout must be positive");
  if (!st.ok()) {
    std::fprintf(stderr, "qalam health: %s\n", std::string(st.message()).c_str());
    return 2;
  }
  const std::string& address = args[0];
  const std::string service = args.size() > 1 ? args[1] : "";
  absl::StatusOr<std::shared_ptr<grpc::Channel>> channel =
      CreateChannelFromOptions(address, security);
  if (!channel.ok()) {
    std::fprintf(stderr, "qalam health: %s\n", std::string(channel.status().message()).c_str());
    return 2;
  }
  grpc::GenericStub stub(*channel);
  grpc::ClientContext ctx;
  ctx.set_deadline(std::chrono::system_clock::now() +
                   std::chrono::milliseconds(static_cast<int64_t>(timeout * 1000)));
  // Wait for the connection up to the deadline rather than failing at the
  // first refused attempt: a probe's timeout is the one limit.
  ctx.set_wait_for_ready(true);
  const grpc::ByteBuffer request = CheckRequest(service);
  grpc::ByteBuffer response;
  std::mutex mu;
  std::condition_variable cv;
  bool done = false;
  grpc::Status rpc;
  stub.UnaryCall(&ctx, kCheckMethod, grpc::StubOptions(), &request, &response, [&](grpc::Status s) {
    std::lock_guard<std::mutex> l(mu);
    rpc = std::move(s);
    done = true;
    cv.notify_one();
  });
  {
    std::unique_lock<std::mutex> l(mu);
    cv.wait(l, [&] { return done; });
  }
  const std::string what = absl::StrCat(address, service.empty() ? "" : " ", service);
  if (rpc.error_code() == grpc::StatusCode::NOT_FOUND) {
    // gRPC's health service answers NOT_FOUND for a service it does not know.
    if (!quiet) std::printf("%s: SERVICE_UNKNOWN\n", what.c_str());
    return 1;
  }
  if (!rpc.ok()) {
    if (!quiet) {
      // Why the call got no answer, as far as the channel knows.
      const grpc_connectivity_state state = (*channel)->GetState(false);
      const char* why = state == GRPC_CHANNEL_TRANSIENT_FAILURE
                            ? " (cannot connect: refused, unreachable, or the TLS handshake failed)"
                        : state == GRPC_CHANNEL_CONNECTING ? " (still connecting)"
                                                           : "";
      std::fprintf(
          stderr, "qalam health: %s: no answer: %s: %s%s\n", what.c_str(),
          absl::StatusCodeToString(static_cast<absl::StatusCode>(rpc.error_code())).c_str(),
          rpc.error_message().c_str(), why);
    }
    return 3;
  }
  const int64_t status = ParseStatus(response);
  if (!quiet) std::printf("%s: %s\n", what.c_str(), StatusName(status));
  return status == 1 ? 0 : 1;
}

}  // namespace qalam
