// GoogleTest matchers for absl::Status and absl::StatusOr<T>:
//
//   EXPECT_THAT(DoIt(), IsOk());
//   EXPECT_THAT(Parse("x"), StatusIs(absl::StatusCode::kInvalidArgument));
//   EXPECT_THAT(Parse("x"), StatusIs(absl::StatusCode::kInvalidArgument,
//                                    HasSubstr("byte 3")));
//   EXPECT_THAT(Count(), IsOkAndHolds(Gt(2)));
//
// Abseil 20220623 has no absl_testing::StatusIs / IsOkAndHolds; these have the
// same names and meaning, in namespace qalam_testing (not qalam::testing,
// which would hide ::testing inside namespace qalam), so switching later is
// an include and a using-declaration. For a grpc::Status, match
// FromGrpcStatus(status) (common/grpc_status.h).
//
// Stateless; thread-safe.
#ifndef QALAM_TESTS_TESTING_STATUS_MATCHERS_H_
#define QALAM_TESTS_TESTING_STATUS_MATCHERS_H_

#include <string>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "gmock/gmock.h"

namespace qalam_testing {
namespace internal {

inline const absl::Status& GetStatus(const absl::Status& status) { return status; }

template <typename T>
const absl::Status& GetStatus(const absl::StatusOr<T>& status_or) {
  return status_or.status();
}

}  // namespace internal

// Matches an absl::Status or absl::StatusOr<T> whose code matches `code` (an
// absl::StatusCode or a matcher of one, e.g. AnyOf(kCancelled, kUnavailable)).
MATCHER_P(StatusIs, code,
          std::string(negation ? "does not have a code that " : "has a code that ") +
              ::testing::DescribeMatcher<absl::StatusCode>(code)) {
  const absl::Status& status = internal::GetStatus(arg);
  *result_listener << "whose status is " << status;
  return ::testing::Matches(::testing::MatcherCast<absl::StatusCode>(code))(status.code());
}

// Matches an absl::Status or absl::StatusOr<T> whose code matches `code` and
// whose message matches `message_matcher` (a matcher or a string).
MATCHER_P2(StatusIs, code, message_matcher,
           std::string(negation ? "does not have a code that " : "has a code that ") +
               ::testing::DescribeMatcher<absl::StatusCode>(code) + " and a matching message") {
  const absl::Status& status = internal::GetStatus(arg);
  *result_listener << "whose status is " << status;
  return ::testing::Matches(::testing::MatcherCast<absl::StatusCode>(code))(status.code()) &&
         ::testing::ExplainMatchResult(::testing::MatcherCast<const std::string&>(message_matcher),
                                       std::string(status.message()), result_listener);
}

// Matches an OK absl::Status or absl::StatusOr<T>.
MATCHER(IsOk, negation ? "is not OK" : "is OK") {
  const absl::Status& status = internal::GetStatus(arg);
  *result_listener << "whose status is " << status;
  return status.ok();
}

// Matches an OK absl::StatusOr<T> whose value matches `value_matcher`.
MATCHER_P(IsOkAndHolds, value_matcher,
          negation ? "is not OK or holds a value that does not match"
                   : "is OK and holds a value that matches") {
  if (!arg.ok()) {
    *result_listener << "whose status is " << arg.status();
    return false;
  }
  return ::testing::ExplainMatchResult(value_matcher, *arg, result_listener);
}

}  // namespace qalam_testing

#endif  // QALAM_TESTS_TESTING_STATUS_MATCHERS_H_
