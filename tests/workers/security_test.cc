// TLS, mutual TLS and bearer tokens on a real qalam-worker server, with a
// PKI generated at test time (tests/testing/make_certs.sh, openssl).
#include "common/security.h"

#include <grpcpp/grpcpp.h>

#include <memory>
#include <string>

#include "absl/strings/str_cat.h"
#include "common/grpc_status.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "qalam/v1/annotator.grpc.pb.h"
#include "qalam/v1/worker.grpc.pb.h"
#include "tests/testing/rpc_test_util.h"
#include "tests/testing/test_pki.h"
#include "tests/testing/status_matchers.h"
#include "workers/server.h"

namespace qalam {
namespace {

using ::qalam_testing::HealthCheck;
using ::qalam_testing::IsOk;
using ::qalam_testing::IsOkAndHolds;
using ::qalam_testing::RunCommand;
using ::qalam_testing::StatusIs;
using ::testing::HasSubstr;

class SecurityTest : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    auto pki = qalam_testing::TestPki::Make("qalam-pki");
    ASSERT_TRUE(pki.ok()) << pki.status();
    pki_ = pki->release();
  }
  static void TearDownTestSuite() {
    delete pki_;
    pki_ = nullptr;
  }
  static std::string F(const std::string& name) { return pki_->File(name); }

  void Start(const ServerSecurityOptions& security) {
    WorkerServerOptions o;
    o.listen = "127.0.0.1:0";
    o.runtime.threads = 1;
    auto creds = ServerCredentialsFromOptions(security, o.listen);
    ASSERT_TRUE(creds.ok()) << creds.status();
    o.credentials = *creds;
    auto server = WorkerServer::Start(std::move(o));
    ASSERT_TRUE(server.ok()) << server.status();
    server_ = std::move(server).value();
  }

  std::shared_ptr<grpc::Channel> Channel(const ClientSecurityOptions& c) {
    auto channel = CreateChannelFromOptions(server_->address(), c);
    EXPECT_TRUE(channel.ok()) << channel.status();
    return channel.ok() ? *channel : nullptr;
  }

  // Annotate over `channel`, with an extra authorization header if given.
  static absl::Status Annotate(const std::shared_ptr<grpc::Channel>& channel,
                               const std::string& authorization = "") {
    auto stub = v1::Annotator::NewStub(channel);
    grpc::ClientContext ctx;
    ctx.set_deadline(std::chrono::system_clock::now() + std::chrono::seconds(30));
    if (!authorization.empty()) ctx.AddMetadata("authorization", authorization);
    v1::AnnotateRequest req;
    req.mutable_document()->set_content("Secure text.");
    v1::AnnotateResponse resp;
    return FromGrpcStatus(stub->Annotate(&ctx, req, &resp));
  }

  static absl::Status ProcessBatch(const std::shared_ptr<grpc::Channel>& channel) {
    auto stub = v1::Worker::NewStub(channel);
    grpc::ClientContext ctx;
    ctx.set_deadline(std::chrono::system_clock::now() + std::chrono::seconds(30));
    v1::BatchRequest req;
    req.add_records()->set_json(R"({"text":"Secure."})");
    v1::BatchResponse resp;
    return FromGrpcStatus(stub->ProcessBatch(&ctx, req, &resp));
  }

  static qalam_testing::TestPki* pki_;
  std::unique_ptr<WorkerServer> server_;
};

qalam_testing::TestPki* SecurityTest::pki_ = nullptr;

TEST_F(SecurityTest, BearerTokensOnLoopback) {
  ServerSecurityOptions s;
  s.auth_token_file = F("tokens.txt");
  Start(s);
  auto plain = grpc::CreateChannel(server_->address(), grpc::InsecureChannelCredentials());
  EXPECT_THAT(Annotate(plain),
              StatusIs(absl::StatusCode::kUnauthenticated, HasSubstr("missing bearer token")));
  EXPECT_THAT(Annotate(plain, "Bearer wrong-token-0000000000000000"),
              StatusIs(absl::StatusCode::kUnauthenticated, "invalid bearer token"));
  EXPECT_THAT(Annotate(plain, "Basic Zm9vOmJhcg=="), StatusIs(absl::StatusCode::kUnauthenticated));
  EXPECT_THAT(ProcessBatch(plain), StatusIs(absl::StatusCode::kUnauthenticated));
  // Any token of the file is accepted (rotation), with either case of scheme.
  EXPECT_THAT(Annotate(plain, "Bearer first-token-0123456789abcdef"), IsOk());
  EXPECT_THAT(Annotate(plain, "bearer second-token-fedcba9876543210"), IsOk());
  // The client helper sends the token (local credentials on loopback).
  ClientSecurityOptions c;
  c.auth_token_file = F("token.txt");
  EXPECT_THAT(Annotate(Channel(c)), IsOk());
  EXPECT_THAT(ProcessBatch(Channel(c)), IsOk());
  c.auth_token_file = F("wrong-token.txt");
  EXPECT_THAT(Annotate(Channel(c)), StatusIs(absl::StatusCode::kUnauthenticated));
  // Health answers without a token.
  EXPECT_THAT(HealthCheck(plain, "qalam.v1.Annotator"), IsOkAndHolds(1));
}

TEST_F(SecurityTest, TlsRefusesPlaintextAndUntrustedServers) {
  ServerSecurityOptions s;
  s.tls_cert_file = F("server.pem");
  s.tls_key_file = F("server.key");
  Start(s);
  auto plain = grpc::CreateChannel(server_->address(), grpc::InsecureChannelCredentials());
  EXPECT_THAT(Annotate(plain), StatusIs(absl::StatusCode::kUnavailable));
  ClientSecurityOptions c;
  c.tls_ca_file = F("ca.pem");
  EXPECT_THAT(Annotate(Channel(c)), IsOk());
  c.tls_server_name = "localhost";  // the certificate names it too
  EXPECT_THAT(Annotate(Channel(c)), IsOk());
  c.tls_server_name = "";
  c.tls_ca_file = F("rogue-ca.pem");  // a CA that did not sign the server
  EXPECT_THAT(Annotate(Channel(c)), StatusIs(absl::StatusCode::kUnavailable));
}

TEST_F(SecurityTest, MutualTlsRequiresAClientCertificateFromTheCa) {
  ServerSecurityOptions s;
  s.tls_cert_file = F("server.pem");
  s.tls_key_file = F("server.key");
  s.tls_client_ca_file = F("ca.pem");
  Start(s);
  ClientSecurityOptions c;
  c.tls_ca_file = F("ca.pem");
  EXPECT_THAT(Annotate(Channel(c)), StatusIs(absl::StatusCode::kUnavailable));  // no cert
  c.tls_cert_file = F("rogue-client.pem");
  c.tls_key_file = F("rogue-client.key");
  EXPECT_THAT(Annotate(Channel(c)), StatusIs(absl::StatusCode::kUnavailable));  // wrong CA
  c.tls_cert_file = F("client.pem");
  c.tls_key_file = F("client.key");
  EXPECT_THAT(Annotate(Channel(c)), IsOk());
  EXPECT_THAT(ProcessBatch(Channel(c)), IsOk());
}

TEST_F(SecurityTest, AllowedClientNamesGivePermissionDeniedToOthers) {
  ServerSecurityOptions s;
  s.tls_cert_file = F("server.pem");
  s.tls_key_file = F("server.key");
  s.tls_client_ca_file = F("ca.pem");
  s.allowed_client_names = {"qalam-coordinator"};
  Start(s);
  ClientSecurityOptions c;
  c.tls_ca_file = F("ca.pem");
  c.tls_cert_file = F("other-client.pem");
  c.tls_key_file = F("other-client.key");
  auto intruder = Channel(c);
  EXPECT_THAT(Annotate(intruder),
              StatusIs(absl::StatusCode::kPermissionDenied, HasSubstr("intruder")));
  EXPECT_THAT(HealthCheck(intruder, ""), IsOkAndHolds(1));
  c.tls_cert_file = F("client.pem");
  c.tls_key_file = F("client.key");
  EXPECT_THAT(Annotate(Channel(c)), IsOk());
}

TEST_F(SecurityTest, TlsWithTokens) {
  ServerSecurityOptions s;
  s.tls_cert_file = F("server.pem");
  s.tls_key_file = F("server.key");
  s.auth_token_file = F("tokens.txt");
  Start(s);
  ClientSecurityOptions c;
  c.tls_ca_file = F("ca.pem");
  EXPECT_THAT(Annotate(Channel(c)), StatusIs(absl::StatusCode::kUnauthenticated));
  c.auth_token = "first-token-0123456789abcdef";
  EXPECT_THAT(Annotate(Channel(c)), IsOk());
}

}  // namespace
}  // namespace qalam
