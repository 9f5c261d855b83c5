// The one conversion between absl::Status and grpc::Status, used at the RPC
// edge only: service adapters return ToGrpcStatus(status) from a library call
// and clients turn a failed call into an absl::Status with FromGrpcStatus.
// Nothing below the adapters sees grpc::Status.
//
// Abseil's status codes are by design the same numbers as google.rpc.Code
// (and grpc::StatusCode), so the mapping is a cast plus the message.
//
// Part of qalam_common_grpc, so that the text core never links gRPC. Pure
// functions; thread-safe.
#ifndef QALAM_COMMON_GRPC_STATUS_H_
#define QALAM_COMMON_GRPC_STATUS_H_

#include <grpcpp/support/status.h>

#include "absl/status/status.h"

namespace qalam {

// Same code and message. Payloads of `status` are dropped.
grpc::Status ToGrpcStatus(const absl::Status& status);

// Same code and message (error_details are dropped). A code outside the
// canonical range (which a non-conforming peer can send on the wire) becomes
// UNKNOWN.
absl::Status FromGrpcStatus(const grpc::Status& status);

}  // namespace qalam

#endif  // QALAM_COMMON_GRPC_STATUS_H_
