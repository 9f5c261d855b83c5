#include "common/security.h"

#include <fstream>
#include <string>

#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "tests/testing/status_matchers.h"

namespace qalam {
namespace {

using ::qalam_testing::IsOk;
using ::qalam_testing::IsOkAndHolds;
using ::qalam_testing::StatusIs;
using ::testing::ElementsAre;
using ::testing::HasSubstr;

std::string WriteTemp(const std::string& name, const std::string& data) {
  std::string path = ::testing::TempDir() + "/" + name;
  std::ofstream(path) << data;
  return path;
}

TEST(ConstantTimeEquals, ComparesLikeEquality) {
  EXPECT_TRUE(ConstantTimeEquals("secret", "secret"));
  EXPECT_FALSE(ConstantTimeEquals("secreT", "secret"));
  EXPECT_FALSE(ConstantTimeEquals("secret-longer", "secret"));
  EXPECT_FALSE(ConstantTimeEquals("sec", "secret"));
  EXPECT_FALSE(ConstantTimeEquals("", "secret"));
  EXPECT_TRUE(ConstantTimeEquals("", ""));
}

TEST(IsLocalAddress, KnowsLoopbackAndUnixSockets) {
  for (const char* a :
       {"127.0.0.1:50051", "127.0.0.2:1", "[::1]:50051", "localhost:50051", "ipv4:127.0.0.1:5",
        "dns:///localhost:50051", "unix:/tmp/w.sock", "unix-abstract:qalam"}) {
    EXPECT_TRUE(IsLocalAddress(a)) << a;
  }
  for (const char* a : {"0.0.0.0:50051", "[::]:50051", "10.0.0.1:50051", "worker:50051",
                        "dns:///qalam.example.com:443", "128.0.0.1:1"}) {
    EXPECT_FALSE(IsLocalAddress(a)) << a;
  }
}

TEST(ReadTokenFile, SkipsBlankLinesAndComments) {
  EXPECT_THAT(ReadTokenFile(WriteTemp("tokens", "# rotation\n a1 \n\nb2\n")),
              IsOkAndHolds(ElementsAre("a1", "b2")));
  EXPECT_THAT(ReadTokenFile(WriteTemp("no-tokens", "# nothing\n\n")),
              StatusIs(absl::StatusCode::kInvalidArgument, HasSubstr("no token")));
  EXPECT_THAT(ReadTokenFile("/nonexistent/tokens"), StatusIs(absl::StatusCode::kNotFound));
}

TEST(ServerCredentialsFromOptions, RefusesInconsistentOptions) {
  const std::string tokens = WriteTemp("tok", "t0k3n\n");
  ServerSecurityOptions o;
  o.tls_cert_file = "server.pem";
  EXPECT_THAT(ServerCredentialsFromOptions(o, "127.0.0.1:0"),
              StatusIs(absl::StatusCode::kInvalidArgument, HasSubstr("key")));
  o = ServerSecurityOptions();
  o.tls_client_ca_file = "ca.pem";
  EXPECT_THAT(ServerCredentialsFromOptions(o, "127.0.0.1:0"),
              StatusIs(absl::StatusCode::kInvalidArgument, HasSubstr("need TLS")));
  o = ServerSecurityOptions();
  o.allowed_client_names = {"x"};
  EXPECT_THAT(ServerCredentialsFromOptions(o, "127.0.0.1:0"),
              StatusIs(absl::StatusCode::kInvalidArgument, HasSubstr("client CA")));
  o = ServerSecurityOptions();
  o.auth_token_file = tokens;
  EXPECT_THAT(ServerCredentialsFromOptions(o, "0.0.0.0:50051"),
              StatusIs(absl::StatusCode::kInvalidArgument, HasSubstr("clear text")));
  EXPECT_THAT(ServerCredentialsFromOptions(o, "127.0.0.1:50051"), IsOk());
  EXPECT_THAT(ServerCredentialsFromOptions(o, "unix:/tmp/x.sock"), IsOk());
  o.tls_cert_file = "/nonexistent/server.pem";
  o.tls_key_file = "/nonexistent/server.key";
  EXPECT_THAT(ServerCredentialsFromOptions(o, "0.0.0.0:50051"),
              StatusIs(absl::StatusCode::kNotFound, HasSubstr("server.pem")));
  EXPECT_THAT(ServerCredentialsFromOptions(ServerSecurityOptions(), "0.0.0.0:50051"), IsOk());
}

TEST(ChannelCredentialsFromOptions, NeverSendsATokenInClearTextOverANetwork) {
  ClientSecurityOptions o;
  o.auth_token = "t0k3n";
  EXPECT_THAT(ChannelCredentialsFromOptions(o, "dns:///worker.example.com:50051"),
              StatusIs(absl::StatusCode::kInvalidArgument, HasSubstr("clear text")));
  EXPECT_THAT(ChannelCredentialsFromOptions(o, "127.0.0.1:50051"), IsOk());
  o.tls = true;
  EXPECT_THAT(ChannelCredentialsFromOptions(o, "dns:///worker.example.com:50051"), IsOk());
  o.tls_cert_file = "client.pem";
  EXPECT_THAT(ChannelCredentialsFromOptions(o, "worker:1"),
              StatusIs(absl::StatusCode::kInvalidArgument, HasSubstr("key")));
}

}  // namespace
}  // namespace qalam
