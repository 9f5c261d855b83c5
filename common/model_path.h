// Where qalam finds its bundled model files (models/ in the source tree).
//
// Thread-safe: reads the environment and the file system only.
#ifndef QALAM_COMMON_MODEL_PATH_H_
#define QALAM_COMMON_MODEL_PATH_H_

#include <string>

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"

namespace qalam {

// The path of the bundled model file `file_name` (e.g. "langid.bin"): the
// first of these that exists and is a regular file:
//   $QALAM_MODEL_DIR/<file_name>                         (when the variable is set)
//   <dir of /proc/self/exe>/../models/<file_name>        (installed layout)
//   <dir of /proc/self/exe>/../../models/<file_name>     (build/<subdir>/binary)
//   QALAM_SOURCE_DIR/models/<file_name>                  (the tree it was built from)
// NotFound, listing every path tried, when none exists.
absl::StatusOr<std::string> FindBundledModel(absl::string_view file_name);

}  // namespace qalam

#endif  // QALAM_COMMON_MODEL_PATH_H_
