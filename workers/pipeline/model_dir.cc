#include "workers/pipeline/model_dir.h"

#include <sys/stat.h>
#include <unistd.h>

#include <cstdlib>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"

namespace qalam {
namespace {

std::string ExecutableDir() {
  char buf[4096];
  const ssize_t n = readlink("/proc/self/exe", buf, sizeof(buf) - 1);
  if (n <= 0) return "";
  std::string path(buf, static_cast<size_t>(n));
  const size_t slash = path.rfind('/');
  return slash == std::string::npos ? "" : path.substr(0, slash);
}

bool IsFile(const std::string& path) {
  struct stat st;
  return stat(path.c_str(), &st) == 0 && S_ISREG(st.st_mode);
}

}  // namespace

std::vector<std::string> ModelDirCandidates() {
  std::vector<std::string> dirs;
  if (const char* env = std::getenv("QALAM_MODEL_DIR"); env != nullptr && *env != '\0') {
    dirs.emplace_back(env);
  }
  const std::string exe = ExecutableDir();
  if (!exe.empty()) {
    dirs.push_back(exe + "/../models");
    dirs.push_back(exe + "/../../models");
  }
#ifdef QALAM_SOURCE_DIR
  dirs.push_back(std::string(QALAM_SOURCE_DIR) + "/models");
#endif
  return dirs;
}

absl::StatusOr<std::string> FindModelDir(absl::string_view file) {
  const std::vector<std::string> dirs = ModelDirCandidates();
  for (const std::string& d : dirs) {
    if (IsFile(absl::StrCat(d, "/", file))) return d;
  }
  return absl::NotFoundError(absl::StrCat("model file '", file, "' not found in ",
                                          absl::StrJoin(dirs, ", "),
                                          " (set QALAM_MODEL_DIR to the models/ folder)"));
}

}  // namespace qalam
