// qalam-coordinator: see coordinator/coordinator_server.h.
#include "coordinator/coordinator_server.h"

int main(int argc, char** argv) { return qalam::CoordinatorMain(argc, argv); }
