// Server lifecycle, modelled on Arrow Flight's ConnectivityTest: start and
// report the port, shut down (with and without calls in flight), UNAVAILABLE
// after shutdown, deadlines, client cancellation, health while draining.
#include <grpcpp/grpcpp.h>

#include <memory>
#include <string>
#include <thread>

#include "common/grpc_status.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "qalam/v1/worker.grpc.pb.h"
#include "tests/testing/rpc_test_util.h"
#include "tests/testing/status_matchers.h"
#include "workers/server.h"

namespace qalam {
namespace {

using ::qalam_testing::AsyncCall;
using ::qalam_testing::Gate;
using ::qalam_testing::HealthCheck;
using ::qalam_testing::IsOk;
using ::qalam_testing::IsOkAndHolds;
using ::qalam_testing::PollUntil;
using ::qalam_testing::StatusIs;
using ::testing::AnyOf;
using ::testing::HasSubstr;
using ::testing::StartsWith;

constexpr int kServing = 1;
constexpr int kNotServing = 2;

v1::BatchRequest OneRecord() {
  v1::BatchRequest req;
  req.mutable_options()->set_json_results(true);
  v1::Record* r = req.add_records();
  r->set_json(R"({"id":"x","text":"Hello there. Bye."})");
  return req;
}

class LifecycleTest : public ::testing::Test {
 protected:
  // Starts a server whose work waits at `gate_` when `gated`.
  void Start(bool gated) {
    WorkerServerOptions o;
    o.listen = "127.0.0.1:0";
    o.runtime.threads = 2;
    if (gated) {
      auto gate = gate_;
      o.runtime.before_record_for_testing = [gate] { gate->Pass(); };
    }
    auto server = WorkerServer::Start(std::move(o));
    ASSERT_TRUE(server.ok()) << server.status();
    server_ = std::move(server).value();
    channel_ = grpc::CreateChannel(server_->address(), grpc::InsecureChannelCredentials());
    stub_ = v1::Worker::NewStub(channel_);
  }

  void TearDown() override {
    gate_->Open();
    if (server_) server_->Shutdown(absl::ZeroDuration());
  }

  uint64_t Cancelled() { return server_->runtime().stats().calls_cancelled.load(); }

  std::shared_ptr<Gate> gate_ = std::make_shared<Gate>();
  std::unique_ptr<WorkerServer> server_;
  std::shared_ptr<grpc::Channel> channel_;
  std::unique_ptr<v1::Worker::Stub> stub_;
};

TEST_F(LifecycleTest, StartsAndReportsItsPort) {
  Start(false);
  EXPECT_GT(server_->port(), 0);
  EXPECT_THAT(server_->address(), StartsWith("127.0.0.1:"));
  EXPECT_EQ(server_->address(), "127.0.0.1:" + std::to_string(server_->port()));
  for (const char* name : {"", "qalam.v1.Worker"}) {
    EXPECT_THAT(HealthCheck(channel_, name), IsOkAndHolds(kServing)) << name;
  }
  grpc::ClientContext ctx;
  v1::BatchResponse resp;
  EXPECT_TRUE(stub_->ProcessBatch(&ctx, OneRecord(), &resp).ok());
  EXPECT_THAT(resp.results(0).result_json(), StartsWith(R"({"id":"x",)"));
  EXPECT_THAT(resp.results(0).result_json(),
              HasSubstr(R"("sentences":[[0,12],[13,17]],"tokens":3)"));
}

TEST_F(LifecycleTest, RefusesAnAddressInUse) {
  Start(false);
  WorkerServerOptions o;
  o.listen = server_->address();
  EXPECT_THAT(WorkerServer::Start(o), StatusIs(absl::StatusCode::kUnavailable));
}

TEST_F(LifecycleTest, ShutsDown) {
  Start(false);
  server_->Shutdown(absl::Seconds(30));
  EXPECT_TRUE(server_->draining());
  server_->Wait();                       // returns at once
  server_->Shutdown(absl::Seconds(30));  // idempotent
}

TEST_F(LifecycleTest, UnavailableAfterShutdown) {
  Start(false);
  server_->Shutdown(absl::Seconds(1));
  grpc::ClientContext ctx;
  ctx.set_deadline(std::chrono::system_clock::now() + std::chrono::seconds(30));
  v1::BatchResponse resp;
  EXPECT_THAT(FromGrpcStatus(stub_->ProcessBatch(&ctx, OneRecord(), &resp)),
              StatusIs(absl::StatusCode::kUnavailable));
}

TEST_F(LifecycleTest, CallInFlightFinishesWithinTheGracePeriod) {
  Start(true);
  AsyncCall<v1::BatchRequest, v1::BatchResponse> call;
  call.request = OneRecord();
  stub_->async()->ProcessBatch(&call.ctx, &call.request, &call.response, call.Callback());
  gate_->WaitForArrivals(1);
  std::thread shutdown([&] { server_->Shutdown(absl::Seconds(60)); });
  // While draining: health says NOT_SERVING, new calls are refused...
  ASSERT_TRUE(PollUntil([&] { return server_->draining(); }));
  EXPECT_THAT(HealthCheck(channel_, "qalam.v1.Worker"), IsOkAndHolds(kNotServing));
  EXPECT_THAT(HealthCheck(channel_, ""), IsOkAndHolds(kNotServing));
  grpc::ClientContext ctx;
  v1::BatchResponse resp;
  EXPECT_THAT(FromGrpcStatus(stub_->ProcessBatch(&ctx, OneRecord(), &resp)),
              StatusIs(absl::StatusCode::kUnavailable, HasSubstr("shutting down")));
  // ...and the call in flight completes normally.
  gate_->Open();
  EXPECT_THAT(FromGrpcStatus(call.Wait()), IsOk());
  EXPECT_EQ(call.response.results_size(), 1);
  shutdown.join();
}

TEST_F(LifecycleTest, ShutdownWithADeadlineCancelsTheCallInFlight) {
  Start(true);
  AsyncCall<v1::BatchRequest, v1::BatchResponse> call;
  call.request = OneRecord();
  stub_->async()->ProcessBatch(&call.ctx, &call.request, &call.response, call.Callback());
  gate_->WaitForArrivals(1);
  std::thread shutdown([&] { server_->Shutdown(absl::Milliseconds(50)); });
  // The grace period passes; the server cancels the call...
  ASSERT_TRUE(PollUntil([&] { return Cancelled() >= 1; }));
  gate_->Open();  // ...and the work notices at the next record.
  shutdown.join();
  EXPECT_THAT(FromGrpcStatus(call.Wait()),
              StatusIs(AnyOf(absl::StatusCode::kCancelled, absl::StatusCode::kUnavailable)));
}

TEST_F(LifecycleTest, DeadlineExceededReachesTheServer) {
  Start(true);
  // The deadline must not pass before the call reaches the server (which a
  // slow sanitizer build can make happen): start with 100 ms and double it
  // until the server has seen the call.
  for (int ms = 100; gate_->arrivals() == 0 && ms <= 100 * 64; ms *= 2) {
    AsyncCall<v1::BatchRequest, v1::BatchResponse> call;
    call.ctx.set_deadline(std::chrono::system_clock::now() + std::chrono::milliseconds(ms));
    call.request = OneRecord();
    stub_->async()->ProcessBatch(&call.ctx, &call.request, &call.response, call.Callback());
    EXPECT_THAT(FromGrpcStatus(call.Wait()), StatusIs(absl::StatusCode::kDeadlineExceeded));
  }
  ASSERT_GE(gate_->arrivals(), 1);
  // The server saw the deadline pass: the call was cancelled there too.
  EXPECT_TRUE(PollUntil([&] { return Cancelled() >= 1; }));
  gate_->Open();
}

TEST_F(LifecycleTest, ClientCancelReachesTheServer) {
  Start(true);
  AsyncCall<v1::BatchRequest, v1::BatchResponse> call;
  call.request = OneRecord();
  stub_->async()->ProcessBatch(&call.ctx, &call.request, &call.response, call.Callback());
  gate_->WaitForArrivals(1);
  call.ctx.TryCancel();
  EXPECT_THAT(FromGrpcStatus(call.Wait()), StatusIs(absl::StatusCode::kCancelled));
  EXPECT_TRUE(PollUntil([&] { return Cancelled() >= 1; }));
  gate_->Open();
  // The server goes on serving.
  EXPECT_THAT(HealthCheck(channel_, "qalam.v1.Worker"), IsOkAndHolds(kServing));
}

}  // namespace
}  // namespace qalam
