#include "repository/repository_layout.h"

#include <algorithm>
#include <filesystem>
#include <iterator>
#include <optional>
#include <set>
#include <system_error>

#include "absl/strings/ascii.h"
#include "absl/strings/escaping.h"
#include "absl/strings/strip.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "absl/strings/str_split.h"
#include "common/bounded_file.h"

namespace convoy::repository {
namespace {

namespace fs = std::filesystem;

constexpr size_t kMaxModelNameBytes = 255;  // A file name on common file systems.
constexpr int64_t kMaxLabelsBytes = int64_t{64} << 20;
constexpr size_t kMaxLabels = 1'000'000;

// std::filesystem reports errno values on POSIX, so the code maps as errno.
absl::Status FileSystemError(const std::error_code& error, const fs::path& path) {
  return absl::ErrnoToStatus(error.value(), path.string());
}

absl::Status NotADirectory(const std::string& path) {
  return absl::NotFoundError(absl::StrCat(path, ": no such directory"));
}

// True if `path`, with every symlink resolved, lies strictly below
// `canonical_root` (compared by path components, so /repo2 is not in /repo).
bool IsStrictlyInside(const fs::path& canonical_root, const fs::path& path) {
  std::error_code error;
  const fs::path resolved = fs::weakly_canonical(path, error);
  if (error) return false;
  auto it = resolved.begin();
  for (const fs::path& component : canonical_root) {
    if (it == resolved.end() || *it != component) return false;
    ++it;
  }
  return it != resolved.end();
}

// Names of the directories directly in `dir` (symlinks to directories
// included only if they resolve inside `canonical_root`), unsorted.
absl::StatusOr<std::vector<std::string>> ListSubdirectories(const fs::path& dir, const fs::path& canonical_root) {
  std::vector<std::string> names;
  std::error_code error;
  fs::directory_iterator it(dir, error);
  for (; !error && it != fs::directory_iterator(); it.increment(error)) {
    std::error_code entry_error;
    if (!it->is_directory(entry_error)) continue;  // Follows symlinks.
    if (it->is_symlink(entry_error) && !IsStrictlyInside(canonical_root, it->path())) continue;
    names.push_back(it->path().filename().string());
  }
  if (error) return FileSystemError(error, dir);
  return names;
}

std::optional<int64_t> ParseVersion(absl::string_view name) {
  // 18 digits always fit in int64; a longer name is not a sensible version.
  if (name.empty() || name.size() > 18 || name[0] == '0') return std::nullopt;
  if (!std::all_of(name.begin(), name.end(), [](char c) { return absl::ascii_isdigit(c); })) {
    return std::nullopt;
  }
  int64_t version = 0;
  if (!absl::SimpleAtoi(name, &version)) return std::nullopt;
  return version;
}

// The repository root of a model directory: its lexical parent, resolved.
absl::StatusOr<fs::path> RepositoryRootOf(const std::string& model_dir) {
  std::error_code error;
  fs::path path = fs::absolute(model_dir, error);
  if (error) return FileSystemError(error, model_dir);
  path = path.lexically_normal();
  if (!path.has_filename()) path = path.parent_path();  // "models/x/"
  fs::path root = fs::canonical(path.parent_path(), error);
  if (error) return FileSystemError(error, path.parent_path());
  return root;
}

std::string JoinVersions(const std::vector<int64_t>& versions) {
  return versions.empty() ? "none" : absl::StrJoin(versions, ", ");
}

}  // namespace

absl::Status ValidateModelName(absl::string_view name) {
  if (name.empty()) return absl::InvalidArgumentError("model name is empty");
  if (name.size() > kMaxModelNameBytes) {
    return absl::InvalidArgumentError(
        absl::StrCat("model name is ", name.size(), " bytes, more than ", kMaxModelNameBytes));
  }
  for (char c : name) {
    if (!absl::ascii_isalnum(c) && c != '.' && c != '_' && c != '-') {
      return absl::InvalidArgumentError(absl::StrCat("model name '", absl::CHexEscape(name),
                                                     "' may contain only letters, digits, '.', '_' and '-'"));
    }
  }
  // Covers "." and "..", and hidden directories (.git, editor state).
  if (name[0] == '.') {
    return absl::InvalidArgumentError(absl::StrCat("model name '", name, "' may not start with '.'"));
  }
  return absl::OkStatus();
}

absl::Status CheckInsideRepository(const std::string& repository_root, const std::string& path) {
  std::error_code error;
  const fs::path root = fs::canonical(repository_root, error);
  if (error) return NotADirectory(repository_root);
  if (!IsStrictlyInside(root, path)) {
    return absl::PermissionDeniedError(
        absl::StrCat(path, " resolves outside the model repository ", repository_root));
  }
  return absl::OkStatus();
}

absl::StatusOr<std::vector<std::string>> ListModels(const std::string& repository_root) {
  std::error_code error;
  if (!fs::is_directory(repository_root, error)) return NotADirectory(repository_root);
  const fs::path root = fs::canonical(repository_root, error);
  if (error) return FileSystemError(error, repository_root);

  absl::StatusOr<std::vector<std::string>> names = ListSubdirectories(root, root);
  if (!names.ok()) return names.status();
  names->erase(std::remove_if(names->begin(), names->end(),
                              [](const std::string& name) { return !ValidateModelName(name).ok(); }),
               names->end());
  std::sort(names->begin(), names->end());
  return names;
}

absl::StatusOr<std::vector<int64_t>> ListVersions(const std::string& model_dir) {
  std::error_code error;
  if (!fs::is_directory(model_dir, error)) return NotADirectory(model_dir);
  absl::StatusOr<fs::path> root = RepositoryRootOf(model_dir);
  if (!root.ok()) return root.status();

  absl::StatusOr<std::vector<std::string>> names = ListSubdirectories(model_dir, *root);
  if (!names.ok()) return names.status();
  std::vector<int64_t> versions;
  for (const std::string& name : *names) {
    if (std::optional<int64_t> version = ParseVersion(name)) versions.push_back(*version);
  }
  std::sort(versions.begin(), versions.end());
  return versions;
}

absl::StatusOr<std::vector<int64_t>> SelectVersions(const inference::ModelVersionPolicy& policy,
                                                    const std::vector<int64_t>& available) {
  const std::set<int64_t> present(available.begin(), available.end());
  std::vector<int64_t> selected;
  switch (policy.policy_choice_case()) {
    case inference::ModelVersionPolicy::POLICY_CHOICE_NOT_SET:
    case inference::ModelVersionPolicy::kLatest: {
      const size_t n = std::max<size_t>(1, policy.latest().num_versions());
      auto first = present.size() > n ? std::prev(present.end(), static_cast<ptrdiff_t>(n)) : present.begin();
      selected.assign(first, present.end());
      break;
    }
    case inference::ModelVersionPolicy::kAll:
      selected.assign(present.begin(), present.end());
      break;
    case inference::ModelVersionPolicy::kSpecific: {
      const std::set<int64_t> wanted(policy.specific().versions().begin(), policy.specific().versions().end());
      std::vector<int64_t> missing;
      for (int64_t version : wanted) (present.count(version) ? selected : missing).push_back(version);
      if (!missing.empty()) {
        return absl::NotFoundError(absl::StrCat("version_policy.specific lists version(s) ", JoinVersions(missing),
                                                " with no directory (present: ",
                                                JoinVersions({present.begin(), present.end()}), ")"));
      }
      break;
    }
  }
  if (selected.empty()) {
    return absl::NotFoundError(
        "no version directory to serve (a subdirectory named by a positive integer, such as 1/)");
  }
  return selected;
}

absl::StatusOr<std::vector<std::string>> ReadLabels(const std::string& path) {
  absl::StatusOr<std::string> text = ReadBoundedFile(path, kMaxLabelsBytes);
  if (!text.ok()) return text.status();
  if (text->empty()) return absl::InvalidArgumentError(absl::StrCat(path, ": empty labels file"));
  absl::string_view body = *text;
  if (body.back() == '\n') body.remove_suffix(1);  // The final newline ends a line; it starts none.
  std::vector<std::string> labels;
  for (absl::string_view line : absl::StrSplit(body, '\n')) {
    if (labels.size() == kMaxLabels) {
      return absl::InvalidArgumentError(absl::StrCat(path, ": more than ", kMaxLabels, " labels"));
    }
    absl::ConsumeSuffix(&line, "\r");
    labels.emplace_back(line);
  }
  return labels;
}

}  // namespace convoy::repository
