#include "common/bounded_file.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>

#include "absl/status/status.h"
#include "absl/strings/str_cat.h"

namespace convoy {
namespace {

// Closes the descriptor on every return path.
class FdCloser {
 public:
  explicit FdCloser(int fd) : fd_(fd) {}
  FdCloser(const FdCloser&) = delete;
  FdCloser& operator=(const FdCloser&) = delete;
  ~FdCloser() { ::close(fd_); }

 private:
  int fd_;
};

}  // namespace

absl::StatusOr<std::string> ReadBoundedFile(const std::string& path, int64_t max_bytes) {
  // POSIX calls rather than iostreams: they report errno, which becomes the
  // status code (ENOENT -> NotFound, EACCES -> PermissionDenied).
  // O_NONBLOCK: opening a FIFO planted as labels.txt must not hang the
  // loader; the S_ISREG check below then refuses it. No effect on files.
  const int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC | O_NONBLOCK);
  if (fd < 0) return absl::ErrnoToStatus(errno, path);
  FdCloser closer(fd);

  // fstat on the open descriptor, so the checks apply to the file we read
  // even if the path is replaced in between.
  struct stat st;
  if (::fstat(fd, &st) != 0) return absl::ErrnoToStatus(errno, path);
  if (!S_ISREG(st.st_mode)) {
    return absl::InvalidArgumentError(absl::StrCat(path, ": not a regular file"));
  }
  if (st.st_size > max_bytes) {
    return absl::InvalidArgumentError(absl::StrCat(path, ": ", st.st_size,
                                                   " bytes, more than the limit of ", max_bytes));
  }

  std::string contents(static_cast<size_t>(st.st_size), '\0');
  size_t filled = 0;
  while (true) {
    // Read one byte past the stat size to notice a file that grew meanwhile.
    if (filled == contents.size()) {
      if (static_cast<int64_t>(contents.size()) >= max_bytes) {
        char probe;
        const ssize_t n = ::read(fd, &probe, 1);
        if (n < 0 && errno == EINTR) continue;
        if (n < 0) return absl::ErrnoToStatus(errno, path);
        if (n == 0) break;
        return absl::InvalidArgumentError(
            absl::StrCat(path, ": more than the limit of ", max_bytes, " bytes"));
      }
      contents.resize(std::min<size_t>(contents.size() * 2 + 4096, max_bytes));
    }
    const ssize_t n = ::read(fd, contents.data() + filled, contents.size() - filled);
    if (n < 0 && errno == EINTR) continue;
    if (n < 0) return absl::ErrnoToStatus(errno, path);
    if (n == 0) break;
    filled += static_cast<size_t>(n);
  }
  contents.resize(filled);
  return contents;
}

}  // namespace convoy
