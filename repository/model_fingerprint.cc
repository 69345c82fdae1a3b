// ModelFingerprint (declared in repository_layout.h): what the repository
// poller compares between scans to notice that a model changed.
#include <sys/stat.h>

#include <algorithm>
#include <cerrno>
#include <filesystem>
#include <system_error>

#include "absl/status/status.h"
#include "absl/strings/str_cat.h"
#include "common/bounded_file.h"
#include "repository/repository_layout.h"

namespace convoy::repository {
namespace {

namespace fs = std::filesystem;

// Top-level files up to this size are fingerprinted by content: config and
// labels are small, and content catches an edit that keeps size and mtime
// (same-second writes on coarse-mtime file systems, tools that restore mtime).
constexpr int64_t kMaxHashedFileBytes = int64_t{1} << 20;
// Bounds the work of one scan of a model directory someone filled by mistake.
constexpr size_t kMaxEntries = 100'000;

// 128-bit FNV-1a: stable across processes and builds (unlike absl::Hash),
// short, and at 128 bits an accidental collision is not a concern. It is not
// meant to resist someone who can write the repository anyway.
class Fnv128 {
 public:
  void AddBytes(absl::string_view bytes) {
    for (unsigned char c : bytes) {
      state_ ^= c;
      state_ *= kPrime;
    }
  }
  // Length-prefixed, so ("ab", "c") and ("a", "bc") hash differently.
  void Add(absl::string_view field) {
    AddNumber(field.size());
    AddBytes(field);
  }
  void AddNumber(uint64_t value) {
    char bytes[8];
    for (int i = 0; i < 8; ++i) bytes[i] = static_cast<char>(value >> (8 * i));
    AddBytes(absl::string_view(bytes, sizeof(bytes)));
  }
  std::string Hex() const {
    return absl::StrCat(absl::Hex(static_cast<uint64_t>(state_ >> 64), absl::kZeroPad16),
                        absl::Hex(static_cast<uint64_t>(state_), absl::kZeroPad16));
  }

 private:
  static constexpr unsigned __int128 kPrime = (static_cast<unsigned __int128>(1) << 88) + 0x13B;
  unsigned __int128 state_ = (static_cast<unsigned __int128>(0x6c62272e07bb0142ULL) << 64) | 0x62b821756295c58dULL;
};

// What is recorded of one file-system entry, from lstat/stat rather than
// std::filesystem: one call gives type, size and the exact mtime in ns.
struct Entry {
  std::string name;     // Relative to the directory walked.
  char kind = 'o';      // 'f' file, 'd' directory, 'l' symlink to a directory, 'o' other
  uint64_t size = 0;    // Files only (of the target, for a symlink).
  int64_t mtime_ns = 0; // Files only.
  std::string target;   // Symlinks only.
};

// Fills `entry` for `path`. NotFound if it vanished since it was listed.
absl::Status StatEntry(const fs::path& path, Entry& entry) {
  struct stat st;
  if (::lstat(path.c_str(), &st) != 0) return absl::ErrnoToStatus(errno, path.string());
  if (S_ISLNK(st.st_mode)) {
    std::error_code error;
    entry.target = fs::read_symlink(path, error).string();
    if (::stat(path.c_str(), &st) != 0) return absl::OkStatus();  // Dangling: 'o', by name and target.
  }
  if (S_ISDIR(st.st_mode)) {
    entry.kind = entry.target.empty() ? 'd' : 'l';
  } else if (S_ISREG(st.st_mode)) {
    entry.kind = 'f';
    entry.size = static_cast<uint64_t>(st.st_size);
    entry.mtime_ns = int64_t{st.st_mtim.tv_sec} * 1'000'000'000 + st.st_mtim.tv_nsec;
  }
  return absl::OkStatus();
}

void HashEntry(const Entry& entry, Fnv128& hash) {
  hash.Add(entry.name);
  hash.Add(absl::string_view(&entry.kind, 1));
  hash.AddNumber(entry.size);
  hash.AddNumber(static_cast<uint64_t>(entry.mtime_ns));
  hash.Add(entry.target);
}

// Files at the top of the model directory, by content (by metadata when
// large). Subdirectories are left to HashVersion.
absl::Status HashTopLevelFiles(const fs::path& model_dir, Fnv128& hash) {
  std::vector<Entry> files;
  std::error_code error;
  fs::directory_iterator it(model_dir, error);
  for (; !error && it != fs::directory_iterator(); it.increment(error)) {
    Entry entry;
    entry.name = it->path().filename().string();
    absl::Status status = StatEntry(it->path(), entry);
    if (absl::IsNotFound(status)) continue;  // Deleted meanwhile: as if never seen.
    if (!status.ok()) return status;
    if (entry.kind == 'f') files.push_back(std::move(entry));
  }
  if (error) return absl::ErrnoToStatus(error.value(), model_dir.string());
  // Iteration order is unspecified.
  std::sort(files.begin(), files.end(), [](const Entry& a, const Entry& b) { return a.name < b.name; });

  for (const Entry& file : files) {
    if (file.size > static_cast<uint64_t>(kMaxHashedFileBytes)) {
      HashEntry(file, hash);
      continue;
    }
    absl::StatusOr<std::string> contents = ReadBoundedFile((model_dir / file.name).string(), kMaxHashedFileBytes);
    if (absl::IsNotFound(contents.status())) continue;
    if (!contents.ok()) return contents.status();
    hash.Add(file.name);
    hash.Add("contents");
    hash.Add(*contents);
  }
  return absl::OkStatus();
}

// Every entry below one version directory, by metadata. Symlinked
// directories are recorded by target and not walked: that bounds the walk
// even when a link points back up the tree.
absl::Status HashVersion(const fs::path& version_dir, size_t& entries_seen, Fnv128& hash) {
  std::vector<Entry> entries;
  std::error_code error;
  fs::recursive_directory_iterator it(version_dir, error);
  for (; !error && it != fs::recursive_directory_iterator(); it.increment(error)) {
    if (++entries_seen > kMaxEntries) {
      return absl::ResourceExhaustedError(
          absl::StrCat(version_dir.string(), ": more than ", kMaxEntries, " entries in the model's versions"));
    }
    Entry entry;
    entry.name = it->path().lexically_relative(version_dir).string();
    absl::Status status = StatEntry(it->path(), entry);
    if (absl::IsNotFound(status)) continue;
    if (!status.ok()) return status;
    entries.push_back(std::move(entry));
  }
  if (error) return absl::ErrnoToStatus(error.value(), version_dir.string());

  std::sort(entries.begin(), entries.end(), [](const Entry& a, const Entry& b) { return a.name < b.name; });
  for (const Entry& entry : entries) HashEntry(entry, hash);
  return absl::OkStatus();
}

}  // namespace

absl::StatusOr<std::string> ModelFingerprint(const std::string& model_dir) {
  std::error_code error;
  if (!fs::is_directory(model_dir, error)) {
    return absl::NotFoundError(absl::StrCat(model_dir, ": no such directory"));
  }
  Fnv128 hash;
  absl::Status status = HashTopLevelFiles(model_dir, hash);
  if (!status.ok()) return status;

  // The same version directories the loader would see, symlink rule included.
  absl::StatusOr<std::vector<int64_t>> versions = ListVersions(model_dir);
  if (!versions.ok()) return versions.status();
  size_t entries_seen = 0;
  for (int64_t version : *versions) {
    hash.Add("version");
    hash.AddNumber(static_cast<uint64_t>(version));
    status = HashVersion(fs::path(model_dir) / absl::StrCat(version), entries_seen, hash);
    if (!status.ok()) return status;
  }
  return hash.Hex();
}

}  // namespace convoy::repository
