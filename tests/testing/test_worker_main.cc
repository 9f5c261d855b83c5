// qalam-test-worker: see tests/testing/test_worker.h.
#include "tests/testing/test_worker.h"

int main(int argc, char** argv) { return qalam::testing::TestWorkerMain(argc, argv); }
