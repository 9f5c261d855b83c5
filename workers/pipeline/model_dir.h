// Where qalam finds its bundled model files (the models/ folder).
//
// The folders searched, in order:
//   1. $QALAM_MODEL_DIR, when set;
//   2. <folder of the running executable>/../models (an installed tree:
//      bin/qalam next to models/);
//   3. <folder of the running executable>/../../models (a build tree:
//      build/coordinator/qalam, with models/ in the source tree);
//   4. QALAM_SOURCE_DIR/models, fixed at compile time.
// A folder is taken when it holds the file asked for, so a partial
// $QALAM_MODEL_DIR falls back to the bundled files for the rest.
//
// Thread-safe (reads the environment and /proc/self/exe only).
#ifndef QALAM_WORKERS_PIPELINE_MODEL_DIR_H_
#define QALAM_WORKERS_PIPELINE_MODEL_DIR_H_

#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"

namespace qalam {

// The folders above, in search order (those that cannot be determined, such
// as an unset variable, are left out).
std::vector<std::string> ModelDirCandidates();

// The first candidate folder that contains `file` (a name such as
// "summarize-ar.bin"). NotFound naming the file and every folder searched.
absl::StatusOr<std::string> FindModelDir(absl::string_view file);

}  // namespace qalam

#endif  // QALAM_WORKERS_PIPELINE_MODEL_DIR_H_
