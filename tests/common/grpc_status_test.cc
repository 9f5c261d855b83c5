#include "common/grpc_status.h"

#include "gtest/gtest.h"

namespace qalam {
namespace {

TEST(GrpcStatus, RoundTripsEveryCanonicalCodeWithItsMessage) {
  for (int code = 0; code <= 16; ++code) {
    absl::Status s(static_cast<absl::StatusCode>(code), code == 0 ? "" : "why");
    grpc::Status g = ToGrpcStatus(s);
    EXPECT_EQ(static_cast<int>(g.error_code()), code);
    EXPECT_EQ(g.error_message(), code == 0 ? "" : "why");
    EXPECT_EQ(FromGrpcStatus(g), s);
  }
}

TEST(GrpcStatus, UnknownCodesBecomeUnknown) {
  grpc::Status g(static_cast<grpc::StatusCode>(42), "odd");
  absl::Status s = FromGrpcStatus(g);
  EXPECT_EQ(s.code(), absl::StatusCode::kUnknown);
  EXPECT_EQ(s.message(), "odd");
}

}  // namespace
}  // namespace qalam
