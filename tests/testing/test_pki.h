// A throwaway PKI for TLS tests: a CA, server and client certificates, a
// rogue client (another CA) and bearer-token files, made at test time by
// tests/testing/make_certs.sh (openssl) in a folder of their own, removed
// when the TestPki is destroyed.
//
//   static void SetUpTestSuite() {
//     auto pki = qalam_testing::TestPki::Make("qalam-pki");
//     ASSERT_TRUE(pki.ok()) << pki.status();
//     pki_ = pki->release();
//   }
//   ... pki_->File("server.pem") ...
#ifndef QALAM_TESTS_TESTING_TEST_PKI_H_
#define QALAM_TESTS_TESTING_TEST_PKI_H_

#include <unistd.h>

#include <memory>
#include <string>

#include "absl/status/statusor.h"
#include "absl/strings/str_cat.h"
#include "gtest/gtest.h"
#include "tests/testing/rpc_test_util.h"

namespace qalam_testing {

class TestPki {
 public:
  // Makes the PKI in TempDir()/<name>-<pid>. Needs QALAM_SOURCE_DIR (the
  // tests' compile definition) to find the script.
  static absl::StatusOr<std::unique_ptr<TestPki>> Make(const std::string& name) {
    std::unique_ptr<TestPki> pki(
        new TestPki(absl::StrCat(::testing::TempDir(), "/", name, "-", getpid())));
    auto made = RunCommand(absl::StrCat("bash ", QALAM_SOURCE_DIR,
                                        "/tests/testing/make_certs.sh ", pki->dir_, " 2>&1"));
    if (!made.ok()) return made.status();
    return pki;
  }
  ~TestPki() { (void)RunCommand("rm -rf " + dir_); }
  TestPki(const TestPki&) = delete;
  TestPki& operator=(const TestPki&) = delete;

  const std::string& dir() const { return dir_; }
  // A file of the PKI: ca.pem, server.pem, server.key, client.pem,
  // client.key, rogue-client.pem, tokens.txt... (see make_certs.sh).
  std::string File(const std::string& name) const { return dir_ + "/" + name; }

 private:
  explicit TestPki(std::string dir) : dir_(std::move(dir)) {}
  std::string dir_;
};

}  // namespace qalam_testing

#endif  // QALAM_TESTS_TESTING_TEST_PKI_H_
