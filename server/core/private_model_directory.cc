#include "server/core/private_model_directory.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <filesystem>
#include <system_error>
#include <utility>
#include <vector>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "absl/strings/str_split.h"
#include "repository/model_config.h"
#include "repository/repository_layout.h"
#include "server/core/log.h"

namespace convoy::server {
namespace {

namespace fs = std::filesystem;

constexpr size_t kMaxPathBytes = 4096;

absl::Status BadPath(absl::string_view path, absl::string_view reason) {
  return absl::InvalidArgumentError(absl::StrCat("load parameter 'file:", path, "': ", reason));
}

// A file system error: logged with the path, told to the client without it
// (`what` names the parameter or the step, not where the server keeps
// temporary files).
absl::Status Errno(absl::string_view what, const std::string& path) {
  const std::string reason = std::error_code(errno, std::generic_category()).message();
  Log(LogLevel::kError, "private_model_directory_failed", {{"path", path}, {"error", reason}});
  return absl::InternalError(absl::StrCat("cannot write the load's files: ", what, ": ", reason));
}

// Creates each missing directory of `relative` (all but its last
// component) below `base`; a component that exists must be a directory this
// load made, never a file or a link.
absl::Status MakeParents(const std::string& base, absl::string_view relative) {
  std::vector<absl::string_view> parts = absl::StrSplit(relative, '/');
  std::string dir = base;
  for (size_t i = 0; i + 1 < parts.size(); ++i) {
    absl::StrAppend(&dir, "/", parts[i]);
    if (::mkdir(dir.c_str(), 0700) == 0) continue;
    if (errno != EEXIST) return Errno(absl::StrCat("directory of 'file:", relative, "'"), dir);
    struct stat info;
    if (::lstat(dir.c_str(), &info) != 0 || !S_ISDIR(info.st_mode)) {
      return BadPath(relative, absl::StrCat("'", absl::StrJoin(parts.begin(), parts.begin() + i + 1, "/"),
                                            "' is also given as a file"));
    }
  }
  return absl::OkStatus();
}

absl::Status WriteNewFile(const std::string& path, absl::string_view relative, const std::string& content) {
  const int fd = ::open(path.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, 0600);
  if (fd < 0) {
    if (errno == EEXIST) return BadPath(relative, "is also a directory of another file");
    return Errno(absl::StrCat("'file:", relative, "'"), path);
  }
  size_t written = 0;
  while (written < content.size()) {
    const ssize_t n = ::write(fd, content.data() + written, content.size() - written);
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) {
      absl::Status error = Errno(absl::StrCat("'file:", relative, "'"), path);
      ::close(fd);
      return error;
    }
    written += static_cast<size_t>(n);
  }
  if (::close(fd) != 0) return Errno(absl::StrCat("'file:", relative, "'"), path);
  return absl::OkStatus();
}

}  // namespace

absl::Status ValidatePrivateFilePath(absl::string_view path) {
  if (path.empty()) return BadPath(path, "names no file");
  if (path.size() > kMaxPathBytes) return BadPath(path.substr(0, 64), "path is longer than 4096 bytes");
  if (path.find('\0') != absl::string_view::npos) return BadPath(path, "contains a NUL byte");
  if (path.front() == '/') return BadPath(path, "must be relative to the model directory");
  for (absl::string_view part : absl::StrSplit(path, '/')) {
    if (part.empty()) return BadPath(path, "has an empty path component");
    if (part == "." || part == "..") {
      return BadPath(path, "may not contain '.' or '..': files stay inside the model directory");
    }
  }
  if (path == repository::kModelConfigFileName) {
    return BadPath(path, "the configuration is the 'config' load parameter, not a file");
  }
  return absl::OkStatus();
}

absl::StatusOr<std::unique_ptr<PrivateModelDirectory>> PrivateModelDirectory::Create(
    const std::string& root, const std::string& model_name, const std::map<std::string, std::string>& files) {
  if (absl::Status valid = repository::ValidateModelName(model_name); !valid.ok()) return valid;
  for (const auto& [relative, content] : files) {
    if (absl::Status valid = ValidatePrivateFilePath(relative); !valid.ok()) return valid;
  }
  std::error_code error;
  const fs::path base = root.empty() ? fs::temp_directory_path(error) : fs::path(root);
  if (error) return absl::InternalError(absl::StrCat("cannot write the load's files: no temporary directory: ", error.message()));
  std::string pattern = (base / "convoy-model-XXXXXX").string();
  if (::mkdtemp(pattern.data()) == nullptr) return Errno("a private directory", base.string());
  // From here on the destructor cleans up whatever goes wrong.
  std::unique_ptr<PrivateModelDirectory> dir(
      new PrivateModelDirectory(pattern, (fs::path(pattern) / model_name).string()));
  if (::mkdir(dir->model_dir_.c_str(), 0700) != 0) return Errno("the model directory", dir->model_dir_);
  for (const auto& [relative, content] : files) {
    if (absl::Status made = MakeParents(dir->model_dir_, relative); !made.ok()) return made;
    if (absl::Status written = WriteNewFile(absl::StrCat(dir->model_dir_, "/", relative), relative, content);
        !written.ok()) {
      return written;
    }
    dir->bytes_ += static_cast<int64_t>(content.size());
  }
  return dir;
}

PrivateModelDirectory::~PrivateModelDirectory() {
  std::error_code error;
  fs::remove_all(path_, error);
  if (error) {
    Log(LogLevel::kWarning, "private_model_directory_left", {{"path", path_}, {"error", error.message()}});
  }
}

}  // namespace convoy::server
