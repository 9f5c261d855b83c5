// Entry points of the `qalam` command line's subcommands. Each parses its own
// flags (see common/cli.h), runs, and returns the process exit status:
// 0 when every record was processed or recorded as an error, 1 when the job
// could not complete (the reason is printed on stderr), 2 for a usage error.
#ifndef QALAM_COORDINATOR_COMMANDS_H_
#define QALAM_COORDINATOR_COMMANDS_H_

namespace qalam {

// qalam annotate [FLAGS] [INPUT...]: processes in this process, result lines
// on stdout, error lines on stderr.
int AnnotateCommand(int argc, char** argv);

}  // namespace qalam

#endif  // QALAM_COORDINATOR_COMMANDS_H_
