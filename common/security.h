// Credentials and authentication for qalam's gRPC servers and clients:
// TLS, mutual TLS, and bearer tokens. qalam-worker and qalam-coordinator
// build their server credentials here, and the coordinator builds the
// credentials it uses towards its workers here too, so both ends agree.
//
// Server side:
//   ServerSecurityOptions s;           // usually straight from flags
//   s.tls_cert_file = "server.pem";  s.tls_key_file = "server.key";
//   s.tls_client_ca_file = "clients-ca.pem";       // mutual TLS
//   s.auth_token_file = "tokens.txt";               // bearer tokens
//   auto creds = ServerCredentialsFromOptions(s, listen_address);
//   builder.AddListeningPort(listen_address, *creds);
//
// Client side:
//   ClientSecurityOptions c;
//   c.tls_ca_file = "ca.pem";  c.auth_token_file = "token.txt";
//   auto channel = CreateChannelFromOptions("dns:///worker:50051", c);
//
// What the server enforces:
//   * TLS when tls_cert_file/tls_key_file are set; otherwise plaintext, which
//     is meant for loopback and unix sockets (the default address is
//     127.0.0.1:50051).
//   * With tls_client_ca_file, mutual TLS: the handshake requires a client
//     certificate signed by that CA, so a client without one cannot connect
//     at all (it sees UNAVAILABLE). With allowed_client_names as well, a
//     verified certificate whose common name or subject alternative names
//     include none of them gets PERMISSION_DENIED.
//   * With auth_token_file, every call must carry "authorization: Bearer T"
//     with T one of the file's tokens, compared in constant time; missing or
//     wrong -> UNAUTHENTICATED. The exception is grpc.health.v1.Health,
//     which answers without a token so that load balancers and probes can
//     check readiness; it reveals nothing but SERVING / NOT_SERVING. Server
//     reflection does need the token: it describes the whole API surface.
//   * A bearer token never travels in clear text over a network: without TLS,
//     tokens are accepted only on loopback and unix-socket addresses (the
//     server uses gRPC's local credentials, which refuse any other peer), and
//     a non-local plaintext address with a token file is refused at start-up.
//
// Token files hold one token per line; blank lines and lines starting with
// '#' are ignored. A server accepts every token in its file (so tokens can be
// rotated); a client sends the first.
//
// Thread-safety: the functions are thread-safe; the returned credentials and
// the authenticator are immutable and safe for concurrent use.
#ifndef QALAM_COMMON_SECURITY_H_
#define QALAM_COMMON_SECURITY_H_

#include <grpcpp/grpcpp.h>
#include <grpcpp/security/auth_metadata_processor.h>

#include <memory>
#include <string>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "common/cli.h"

namespace qalam {

struct ServerSecurityOptions {
  // PEM certificate chain and private key: TLS. Both or neither.
  std::string tls_cert_file;
  std::string tls_key_file;
  // PEM CA bundle: require and verify client certificates (mutual TLS).
  // REQUIRES: TLS.
  std::string tls_client_ca_file;
  // Client certificate names (CN or SAN) allowed to call; empty = any
  // certificate the CA verifies. REQUIRES: tls_client_ca_file.
  std::vector<std::string> allowed_client_names;
  // Bearer tokens, one per line.
  std::string auth_token_file;
};

// Registers the server flags that fill `*options` (--tls-cert, --tls-key,
// --tls-client-ca, --tls-client-allow, --auth-token-file): one definition,
// so that qalam-worker and qalam-coordinator take the same flags.
void RegisterServerSecurityFlags(FlagSet* flags, ServerSecurityOptions* options);

// Builds credentials for a server listening on `listen_address`, with a
// TokenAuthenticator attached when tokens or client names are configured.
// Returns InvalidArgument for inconsistent options (a certificate without
// its key, a client CA without TLS, allowed names without a client CA, a
// token file on a non-local plaintext address, an empty token file), and
// NotFound / PermissionDenied when a file cannot be read.
absl::StatusOr<std::shared_ptr<grpc::ServerCredentials>> ServerCredentialsFromOptions(
    const ServerSecurityOptions& options, absl::string_view listen_address);

struct ClientSecurityOptions {
  // Use TLS. Implied by tls_ca_file; without it the system's roots verify the
  // server.
  bool tls = false;
  // PEM CA bundle that signed the server's certificate.
  std::string tls_ca_file;
  // Client certificate chain and key for mutual TLS. Both or neither.
  std::string tls_cert_file;
  std::string tls_key_file;
  // The name to verify in the server's certificate when it is not the
  // target's host name (e.g. connecting to an IP address).
  std::string tls_server_name;
  // The bearer token to send, or a file holding it (the first token).
  std::string auth_token;
  std::string auth_token_file;
};

// Builds channel credentials for `target` ("host:port", "dns:///host:port",
// "unix:/path", ...), with the bearer token attached as call credentials.
// Without TLS and without a token: plaintext. Without TLS but with a token:
// gRPC's local credentials, which carry the token only to loopback or
// unix-socket peers; for any other target this returns InvalidArgument
// rather than send a token in clear text. NotFound / InvalidArgument when a
// file cannot be read or is empty.
absl::StatusOr<std::shared_ptr<grpc::ChannelCredentials>> ChannelCredentialsFromOptions(
    const ClientSecurityOptions& options, absl::string_view target);

// A channel to `target` with ChannelCredentialsFromOptions and `args` (plus
// the TLS server-name override when tls_server_name is set). Same errors.
absl::StatusOr<std::shared_ptr<grpc::Channel>> CreateChannelFromOptions(
    absl::string_view target, const ClientSecurityOptions& options,
    grpc::ChannelArguments args = grpc::ChannelArguments());

// Call credentials that send "authorization: Bearer <token>" with every call.
// With `allow_insecure_local` the token may also be sent over local
// credentials (loopback, unix sockets); otherwise only over TLS.
std::shared_ptr<grpc::CallCredentials> BearerTokenCredentials(const std::string& token,
                                                              bool allow_insecure_local = false);

// The tokens of a token file (see above). NotFound if it cannot be read,
// InvalidArgument if it holds no token.
absl::StatusOr<std::vector<std::string>> ReadTokenFile(const std::string& path);

// True for addresses only this host can reach: 127.0.0.0/8, ::1,
// "localhost", unix: and unix-abstract: sockets, with or without an
// "ipv4:", "ipv6:" or "dns:///" scheme.
bool IsLocalAddress(absl::string_view address);

// Compares `a` and `b` in time that depends only on b's length (the
// secret's), not on where they differ.
bool ConstantTimeEquals(absl::string_view a, absl::string_view b);

// The server's gate for bearer tokens and client-certificate names, run by
// gRPC for every call before it reaches a service (see the rules above).
// Immutable after construction; safe for concurrent use.
class TokenAuthenticator final : public grpc::AuthMetadataProcessor {
 public:
  // Calls to methods whose full name ("/package.Service/Method") starts with
  // one of `exempt_prefixes` pass without a token or name check.
  TokenAuthenticator(std::vector<std::string> tokens, std::vector<std::string> allowed_client_names,
                     std::vector<std::string> exempt_prefixes = {"/grpc.health.v1.Health/"});

  // Fast and non-blocking: runs on gRPC's thread.
  bool IsBlocking() const override { return false; }

  grpc::Status Process(const InputMetadata& auth_metadata, grpc::AuthContext* context,
                       OutputMetadata* consumed_auth_metadata,
                       OutputMetadata* response_metadata) override;

 private:
  const std::vector<std::string> tokens_;
  const std::vector<std::string> allowed_client_names_;
  const std::vector<std::string> exempt_prefixes_;
};

}  // namespace qalam

#endif  // QALAM_COMMON_SECURITY_H_
