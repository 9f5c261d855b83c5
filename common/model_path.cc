#include "common/model_path.h"

#include <sys/stat.h>
#include <unistd.h>

#include <cstdlib>
#include <vector>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"

namespace qalam {

absl::StatusOr<std::string> FindBundledModel(absl::string_view file_name) {
  std::vector<std::string> candidates;
  if (const char* dir = std::getenv("QALAM_MODEL_DIR"); dir != nullptr && *dir != '\0') {
    candidates.push_back(absl::StrCat(dir, "/", file_name));
  }
  char exe[4096];
  const ssize_t n = readlink("/proc/self/exe", exe, sizeof(exe) - 1);
  if (n > 0) {
    std::string exe_path(exe, static_cast<size_t>(n));
    const size_t slash = exe_path.rfind('/');
    if (slash != std::string::npos) {
      const std::string exe_dir = exe_path.substr(0, slash);
      candidates.push_back(absl::StrCat(exe_dir, "/../models/", file_name));
      candidates.push_back(absl::StrCat(exe_dir, "/../../models/", file_name));
    }
  }
#ifdef QALAM_SOURCE_DIR
  candidates.push_back(absl::StrCat(QALAM_SOURCE_DIR, "/models/", file_name));
#endif
  for (const std::string& c : candidates) {
    struct stat st;
    if (stat(c.c_str(), &st) == 0 && S_ISREG(st.st_mode)) return c;
  }
  return absl::NotFoundError(absl::StrCat("no bundled model '", file_name, "' found; tried ",
                                          absl::StrJoin(candidates, ", "),
                                          " (set QALAM_MODEL_DIR to the models folder)"));
}

}  // namespace qalam
