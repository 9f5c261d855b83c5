// FlagSet: a small command-line parser for qalam's commands and servers.
//
// Why not ABSL_FLAG: `qalam` has subcommands (annotate, run, train, eval,
// merge) with different flags, and a user who types `qalam train --help`
// should see train's flags only, each with its help text and default, not
// every flag linked into the binary grouped by source file. Each command
// builds one FlagSet, parses once into an Options struct, and passes that
// struct down; nothing reads flags after parsing.
//
// Accepted forms: --name=value, --name value, -o value (one-letter aliases),
// --flag / --flag=true|false / --no-flag for booleans, `--` ends the flags,
// and a lone `-` is a positional argument (stdin).
//
// A FlagSet is not thread-safe; it is used once, in main().
#ifndef QALAM_COMMON_CLI_H_
#define QALAM_COMMON_CLI_H_

#include <cstdint>
#include <functional>
#include <string>
#include <vector>

#include "absl/status/status.h"
#include "absl/strings/string_view.h"

namespace qalam {

class FlagSet {
 public:
  // `usage` is the synopsis line ("qalam annotate [FLAGS] [INPUT...]");
  // `description` is a paragraph printed under it by Help().
  FlagSet(std::string usage, std::string description);

  FlagSet(const FlagSet&) = delete;
  FlagSet& operator=(const FlagSet&) = delete;

  // Registers a flag bound to `*dst`, whose current value is the default
  // shown by Help(). `name` is the long name without dashes; `short_name`
  // (may be 0) is a one-letter alias. `value_name` names the argument in help.
  void String(const char* name, std::string* dst, const char* help,
              const char* value_name = "VALUE", char short_name = 0);
  void StringList(const char* name, std::vector<std::string>* dst,
                  const char* help, const char* value_name = "VALUE",
                  char short_name = 0);
  void Int(const char* name, int64_t* dst, const char* help,
           const char* value_name = "N", char short_name = 0);
  void Double(const char* name, double* dst, const char* help,
              const char* value_name = "X");
  void Bool(const char* name, bool* dst, const char* help);

  // Parses argv[first..argc). Positional arguments are appended to
  // `*positional`. Returns InvalidArgument naming the offending argument for
  // an unknown flag, a missing value or a value of the wrong type. `--help`
  // or `-h` sets help_requested() and stops parsing with OK.
  absl::Status Parse(int argc, char** argv, int first,
                     std::vector<std::string>* positional);

  bool help_requested() const { return help_requested_; }

  // The full help text: usage, description, then one entry per flag.
  std::string Help() const;

 private:
  struct Flag {
    std::string name;
    char short_name = 0;
    std::string value_name;
    std::string help;
    std::string default_text;
    bool is_bool = false;
    std::function<absl::Status(absl::string_view)> set;
  };
  Flag* Find(absl::string_view name);
  Flag* FindShort(char c);

  std::string usage_;
  std::string description_;
  std::vector<Flag> flags_;
  bool help_requested_ = false;
};

}  // namespace qalam

#endif  // QALAM_COMMON_CLI_H_
