#include "common/security.h"

#include <grpcpp/security/credentials.h>
#include <grpcpp/security/server_credentials.h>

#include <cerrno>
#include <cstring>
#include <fstream>
#include <sstream>
#include <utility>

#include "absl/strings/ascii.h"
#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "absl/strings/str_split.h"
#include "absl/strings/strip.h"
#include "common/status_macros.h"

namespace qalam {
namespace {

absl::StatusOr<std::string> ReadFile(const std::string& path, absl::string_view what) {
  std::ifstream in(path, std::ios::binary);
  if (!in) {
    return absl::NotFoundError(
        absl::StrCat("cannot read ", what, " '", path, "': ", std::strerror(errno)));
  }
  std::ostringstream ss;
  ss << in.rdbuf();
  std::string data = ss.str();
  if (data.empty()) return absl::InvalidArgumentError(absl::StrCat(what, " '", path, "' is empty"));
  return data;
}

bool IsUnixAddress(absl::string_view address) {
  return absl::StartsWith(address, "unix:") || absl::StartsWith(address, "unix-abstract:");
}

// "Bearer <token>" (the scheme is case-insensitive, RFC 6750) -> the token.
bool ParseBearer(absl::string_view value, absl::string_view* token) {
  constexpr absl::string_view kScheme = "bearer ";
  if (value.size() <= kScheme.size() ||
      !absl::EqualsIgnoreCase(value.substr(0, kScheme.size()), kScheme)) {
    return false;
  }
  *token = absl::StripAsciiWhitespace(value.substr(kScheme.size()));
  return !token->empty();
}

class BearerTokenPlugin final : public grpc::MetadataCredentialsPlugin {
 public:
  explicit BearerTokenPlugin(const std::string& token) : header_(absl::StrCat("Bearer ", token)) {}
  bool IsBlocking() const override { return false; }
  const char* GetType() const override { return "qalam-bearer-token"; }
  grpc::Status GetMetadata(grpc::string_ref /*service_url*/, grpc::string_ref /*method_name*/,
                           const grpc::AuthContext& /*channel_auth_context*/,
                           std::multimap<std::string, std::string>* metadata) override {
    metadata->insert(std::make_pair("authorization", header_));
    return grpc::Status::OK;
  }

 private:
  const std::string header_;
};

}  // namespace

bool ConstantTimeEquals(absl::string_view a, absl::string_view b) {
  // Every byte of `b` is visited whatever `a` holds; a length mismatch is
  // folded into the result instead of returning early.
  volatile unsigned char diff = a.size() == b.size() ? 0 : 1;
  for (size_t i = 0; i < b.size(); ++i) {
    const unsigned char x = i < a.size() ? static_cast<unsigned char>(a[i]) : 0;
    diff = diff | (x ^ static_cast<unsigned char>(b[i]));
  }
  return diff == 0;
}

bool IsLocalAddress(absl::string_view address) {
  if (IsUnixAddress(address)) return true;
  absl::string_view a = address;
  if (!absl::ConsumePrefix(&a, "dns:///") && !absl::ConsumePrefix(&a, "ipv4:")) {
    absl::ConsumePrefix(&a, "ipv6:");
  }
  absl::string_view host;
  if (absl::StartsWith(a, "[")) {
    size_t close = a.find(']');
    if (close == absl::string_view::npos) return false;
    host = a.substr(1, close - 1);
  } else {
    host = a.substr(0, a.rfind(':'));
  }
  return absl::StartsWith(host, "127.") || host == "::1" ||
         absl::EqualsIgnoreCase(host, "localhost");
}

absl::StatusOr<std::vector<std::string>> ReadTokenFile(const std::string& path) {
  QALAM_ASSIGN_OR_RETURN(std::string data, ReadFile(path, "token file"));
  std::vector<std::string> tokens;
  for (absl::string_view line : absl::StrSplit(data, '\n')) {
    line = absl::StripAsciiWhitespace(line);
    if (line.empty() || absl::StartsWith(line, "#")) continue;
    tokens.emplace_back(line);
  }
  if (tokens.empty()) {
    return absl::InvalidArgumentError(absl::StrCat("token file '", path, "' holds no token"));
  }
  return tokens;
}

TokenAuthenticator::TokenAuthenticator(std::vector<std::string> tokens,
                                       std::vector<std::string> allowed_client_names,
                                       std::vector<std::string> exempt_prefixes)
    : tokens_(std::move(tokens)),
      allowed_client_names_(std::move(allowed_client_names)),
      exempt_prefixes_(std::move(exempt_prefixes)) {}

grpc::Status TokenAuthenticator::Process(const InputMetadata& auth_metadata,
                                         grpc::AuthContext* context,
                                         OutputMetadata* consumed_auth_metadata,
                                         OutputMetadata* /*response_metadata*/) {
  auto path_it = auth_metadata.find(":path");
  const absl::string_view path =
      path_it == auth_metadata.end()
          ? absl::string_view()
          : absl::string_view(path_it->second.data(), path_it->second.size());
  for (const std::string& prefix : exempt_prefixes_) {
    if (absl::StartsWith(path, prefix)) return grpc::Status::OK;
  }

  if (!tokens_.empty()) {
    auto auth = auth_metadata.find("authorization");
    absl::string_view token;
    if (auth == auth_metadata.end() ||
        !ParseBearer(absl::string_view(auth->second.data(), auth->second.size()), &token)) {
      return grpc::Status(grpc::StatusCode::UNAUTHENTICATED,
                          "missing bearer token (send \"authorization: Bearer TOKEN\")");
    }
    bool match = false;
    for (const std::string& t : tokens_) match |= ConstantTimeEquals(token, t);  // no early exit
    if (!match) return grpc::Status(grpc::StatusCode::UNAUTHENTICATED, "invalid bearer token");
    // The token is not passed on to the services.
    consumed_auth_metadata->insert(
        std::make_pair(std::string(auth->first.data(), auth->first.size()),
                       std::string(auth->second.data(), auth->second.size())));
  }

  if (!allowed_client_names_.empty()) {
    std::vector<std::string> names;
    for (const char* property : {"x509_common_name", "x509_subject_alternative_name"}) {
      for (const grpc::string_ref& v : context->FindPropertyValues(property)) {
        names.emplace_back(v.data(), v.size());
      }
    }
    for (const std::string& n : names) {
      for (const std::string& allowed : allowed_client_names_) {
        if (n == allowed) return grpc::Status::OK;
      }
    }
    return grpc::Status(
        grpc::StatusCode::PERMISSION_DENIED,
        absl::StrCat("client certificate (",
                     names.empty() ? std::string("no name") : absl::StrJoin(names, ", "),
                     ") is not allowed"));
  }
  return grpc::Status::OK;
}

absl::StatusOr<std::shared_ptr<grpc::ServerCredentials>> ServerCredentialsFromOptions(
    const ServerSecurityOptions& o, absl::string_view listen_address) {
  const bool tls = !o.tls_cert_file.empty() || !o.tls_key_file.empty();
  if (tls && (o.tls_cert_file.empty() || o.tls_key_file.empty())) {
    return absl::InvalidArgumentError("TLS needs both a certificate and its key");
  }
  if (!tls && !o.tls_client_ca_file.empty()) {
    return absl::InvalidArgumentError(
        "client certificates (mutual TLS) need TLS: give the server a certificate and key");
  }
  if (!o.allowed_client_names.empty() && o.tls_client_ca_file.empty()) {
    return absl::InvalidArgumentError("allowed client names need a client CA (mutual TLS)");
  }
  std::vector<std::string> tokens;
  if (!o.auth_token_file.empty()) {
    QALAM_ASSIGN_OR_RETURN(tokens, ReadTokenFile(o.auth_token_file));
  }

  std::shared_ptr<grpc::ServerCredentials> creds;
  if (tls) {
    grpc::SslServerCredentialsOptions ssl;
    grpc::SslServerCredentialsOptions::PemKeyCertPair pair;
    QALAM_ASSIGN_OR_RETURN(pair.cert_chain, ReadFile(o.tls_cert_file, "TLS certificate"));
    QALAM_ASSIGN_OR_RETURN(pair.private_key, ReadFile(o.tls_key_file, "TLS key"));
    ssl.pem_key_cert_pairs.push_back(std::move(pair));
    if (!o.tls_client_ca_file.empty()) {
      QALAM_ASSIGN_OR_RETURN(ssl.pem_root_certs, ReadFile(o.tls_client_ca_file, "client CA"));
      ssl.client_certificate_request = GRPC_SSL_REQUEST_AND_REQUIRE_CLIENT_CERTIFICATE_AND_VERIFY;
    } else {
      ssl.client_certificate_request = GRPC_SSL_DONT_REQUEST_CLIENT_CERTIFICATE;
    }
    creds = grpc::SslServerCredentials(ssl);
  } else if (!tokens.empty()) {
    if (!IsLocalAddress(listen_address)) {
      return absl::InvalidArgumentError(
          absl::StrCat("refusing bearer tokens in clear text on '", listen_address,
                       "': use TLS (certificate and key), or a loopback or unix: address"));
    }
    // Local credentials: plaintext on the wire, but only loopback / unix
    // peers are accepted, and (unlike insecure credentials) they run the
    // token check below.
    creds =
        grpc::experimental::LocalServerCredentials(IsUnixAddress(listen_address) ? UDS : LOCAL_TCP);
  } else {
    return grpc::InsecureServerCredentials();
  }
  if (!tokens.empty() || !o.allowed_client_names.empty()) {
    creds->SetAuthMetadataProcessor(
        std::make_shared<TokenAuthenticator>(std::move(tokens), o.allowed_client_names));
  }
  return creds;
}

std::shared_ptr<grpc::CallCredentials> BearerTokenCredentials(const std::string& token,
                                                              bool allow_insecure_local) {
  return grpc::experimental::MetadataCredentialsFromPlugin(
      std::make_unique<BearerTokenPlugin>(token),
      allow_insecure_local ? GRPC_SECURITY_NONE : GRPC_PRIVACY_AND_INTEGRITY);
}

absl::StatusOr<std::shared_ptr<grpc::ChannelCredentials>> ChannelCredentialsFromOptions(
    const ClientSecurityOptions& o, absl::string_view target) {
  if (o.tls_cert_file.empty() != o.tls_key_file.empty()) {
    return absl::InvalidArgumentError(
        "a client certificate needs both the certificate and its key");
  }
  const bool tls = o.tls || !o.tls_ca_file.empty() || !o.tls_cert_file.empty();
  std::string token = o.auth_token;
  if (token.empty() && !o.auth_token_file.empty()) {
    QALAM_ASSIGN_OR_RETURN(std::vector<std::string> tokens, ReadTokenFile(o.auth_token_file));
    token = tokens.front();
  }
  std::shared_ptr<grpc::ChannelCredentials> creds;
  if (tls) {
    grpc::SslCredentialsOptions ssl;
    if (!o.tls_ca_file.empty()) {
      QALAM_ASSIGN_OR_RETURN(ssl.pem_root_certs, ReadFile(o.tls_ca_file, "CA bundle"));
    }
    if (!o.tls_cert_file.empty()) {
      QALAM_ASSIGN_OR_RETURN(ssl.pem_cert_chain, ReadFile(o.tls_cert_file, "client certificate"));
      QALAM_ASSIGN_OR_RETURN(ssl.pem_private_key, ReadFile(o.tls_key_file, "client key"));
    }
    creds = grpc::SslCredentials(ssl);
  } else if (!token.empty()) {
    if (!IsLocalAddress(target)) {
      return absl::InvalidArgumentError(
          absl::StrCat("refusing to send a bearer token in clear text to '", target,
                       "': use TLS, or a loopback or unix: address"));
    }
    creds = grpc::experimental::LocalCredentials(IsUnixAddress(target) ? UDS : LOCAL_TCP);
  } else {
    return grpc::InsecureChannelCredentials();
  }
  if (!token.empty()) {
    creds = grpc::CompositeChannelCredentials(creds, BearerTokenCredentials(token, !tls));
  }
  return creds;
}

absl::StatusOr<std::shared_ptr<grpc::Channel>> CreateChannelFromOptions(
    absl::string_view target, const ClientSecurityOptions& options, grpc::ChannelArguments args) {
  QALAM_ASSIGN_OR_RETURN(std::shared_ptr<grpc::ChannelCredentials> creds,
                         ChannelCredentialsFromOptions(options, target));
  if (!options.tls_server_name.empty()) {
    args.SetSslTargetNameOverride(options.tls_server_name);
  }
  return grpc::CreateCustomChannel(std::string(target), creds, args);
}

void RegisterServerSecurityFlags(FlagSet* flags, ServerSecurityOptions* options) {
  flags->String("tls-cert", &options->tls_cert_file,
                "PEM certificate chain: serve TLS (with --tls-key)", "FILE");
  flags->String("tls-key", &options->tls_key_file, "PEM private key of --tls-cert", "FILE");
  flags->String("tls-client-ca", &options->tls_client_ca_file,
                "PEM CA bundle: require client certificates signed by it (mutual TLS)", "FILE");
  flags->StringList("tls-client-allow", &options->allowed_client_names,
                    "with --tls-client-ca: client certificate names (CN or SAN) allowed to "
                    "call; others get PERMISSION_DENIED",
                    "NAME");
  flags->String("auth-token-file", &options->auth_token_file,
                "require \"authorization: Bearer TOKEN\" on every call (health excepted), "
                "TOKEN being a line of FILE; without TLS only on loopback or unix: addresses",
                "FILE");
}

}  // namespace qalam
