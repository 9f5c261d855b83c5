// Status propagation macros, defined once for the whole project.
//
// Abseil 20220623 has no ABSL_RETURN_IF_ERROR / ABSL_ASSIGN_OR_RETURN, so we
// define our own, modelled on Arrow's ARROW_RETURN_NOT_OK and
// ARROW_ASSIGN_OR_RAISE. Nobody writes their own variants.
#ifndef QALAM_COMMON_STATUS_MACROS_H_
#define QALAM_COMMON_STATUS_MACROS_H_

#include <utility>

#include "absl/status/status.h"
#include "absl/status/statusor.h"

#define QALAM_CONCAT_IMPL_(a, b) a##b
#define QALAM_CONCAT_(a, b) QALAM_CONCAT_IMPL_(a, b)

// Evaluates `expr` (an absl::Status) and returns it from the current function
// if it is not OK.
#define QALAM_RETURN_IF_ERROR(expr)                  \
  do {                                               \
    ::absl::Status qalam_status_ = (expr);           \
    if (!qalam_status_.ok()) return qalam_status_;   \
  } while (0)

// Evaluates `rexpr` (an absl::StatusOr<T>); on error returns its status,
// otherwise moves the value into `lhs` (which may be a declaration).
#define QALAM_ASSIGN_OR_RETURN(lhs, rexpr) \
  QALAM_ASSIGN_OR_RETURN_IMPL_(QALAM_CONCAT_(qalam_statusor_, __LINE__), lhs, rexpr)

#define QALAM_ASSIGN_OR_RETURN_IMPL_(tmp, lhs, rexpr) \
  auto tmp = (rexpr);                                 \
  if (!tmp.ok()) return tmp.status();                 \
  lhs = std::move(tmp).value()

#endif  // QALAM_COMMON_STATUS_MACROS_H_
