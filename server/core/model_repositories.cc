#include "server/core/model_repositories.h"

#include <algorithm>
#include <filesystem>
#include <system_error>
#include <tuple>
#include <utility>

#include "absl/strings/ascii.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "repository/repository_layout.h"

namespace convoy::server {
namespace {

namespace fs = std::filesystem;

bool IsFileNameChar(char c) { return absl::ascii_isalnum(c) || c == '.' || c == '_' || c == '-'; }

// `text` with each occurrence of `root` that is a whole path replaced by
// `placeholder`; one followed by a file name below the root is made
// relative instead when `relative` ("<root>/foo/config.pbtxt" becomes
// "foo/config.pbtxt"). An occurrence inside a longer name ("<root>2/...",
// "x<root>") is another path and stays.
std::string Rewrite(const std::string& text, const std::string& root, const std::string& placeholder,
                    bool relative) {
  std::string out;
  size_t from = 0;
  for (size_t at = text.find(root); at != std::string::npos; at = text.find(root, at + 1)) {
    const char before = at > 0 ? text[at - 1] : '\0';
    const size_t end = at + root.size();
    const char next = end < text.size() ? text[end] : '\0';
    if (at < from || IsFileNameChar(before) || before == '/' || before == '<' || IsFileNameChar(next)) {
      continue;
    }
    out.append(text, from, at - from);
    if (next == '/' && relative) {
      from = end + 1;
    } else {
      out.append(placeholder);
      from = end;
    }
  }
  out.append(text, from, std::string::npos);
  return out;
}

// The ways a directory may be spelt in a message: as given, absolute and
// resolved, without a trailing separator.
std::vector<std::string> Spellings(const std::string& dir) {
  std::error_code error;
  const fs::path given = fs::path(dir).lexically_normal();
  std::vector<std::string> spellings = {given.string(), fs::absolute(given, error).lexically_normal().string(),
                                        fs::weakly_canonical(given, error).string()};
  for (std::string& spelling : spellings) {
    while (spelling.size() > 1 && spelling.back() == '/') spelling.pop_back();
  }
  return spellings;
}

std::string Canonical(const std::string& dir) {
  std::error_code error;
  const fs::path canonical = fs::weakly_canonical(dir, error);
  return error ? fs::path(dir).lexically_normal().string() : canonical.string();
}

}  // namespace

absl::StatusOr<ModelRepositories> ModelRepositories::Create(std::vector<std::string> paths) {
  if (paths.empty()) return absl::InvalidArgumentError("no model repository given");
  std::vector<std::string> seen;
  for (const std::string& path : paths) {
    std::error_code error;
    if (!fs::is_directory(path, error)) {
      return absl::NotFoundError(absl::StrCat("model repository '", path, "' is not a directory"));
    }
    const std::string canonical = Canonical(path);
    if (std::find(seen.begin(), seen.end(), canonical) != seen.end()) {
      return absl::InvalidArgumentError(absl::StrCat("model repository '", path, "' is given twice"));
    }
    seen.push_back(canonical);
  }
  return ModelRepositories(std::move(paths));
}

bool ModelRepositories::Contains(const std::string& path) const {
  return std::any_of(paths_.begin(), paths_.end(), [&](const std::string& repository) {
    return repository == path || Canonical(repository) == Canonical(path);
  });
}

absl::StatusOr<std::map<std::string, std::vector<std::string>>> ModelRepositories::List() const {
  std::map<std::string, std::vector<std::string>> models;
  for (const std::string& repository : paths_) {
    absl::StatusOr<std::vector<std::string>> names = repository::ListModels(repository);
    if (!names.ok()) return names.status();
    for (const std::string& name : *names) models[name].push_back((fs::path(repository) / name).string());
  }
  return models;
}

absl::StatusOr<std::vector<std::string>> ModelRepositories::DirectoriesOf(const std::string& name) const {
  std::vector<std::string> dirs;
  for (const std::string& repository : paths_) {
    absl::StatusOr<std::vector<std::string>> names = repository::ListModels(repository);
    if (!names.ok()) return names.status();
    if (std::binary_search(names->begin(), names->end(), name)) {
      dirs.push_back((fs::path(repository) / name).string());
    }
  }
  return dirs;
}

absl::StatusOr<std::string> ModelRepositories::Locate(const std::string& name) const {
  absl::StatusOr<std::vector<std::string>> dirs = DirectoriesOf(name);
  if (!dirs.ok()) return dirs.status();
  if (dirs->empty()) {
    return absl::NotFoundError(absl::StrCat("no model '", name, "' in ",
                                            paths_.size() == 1 ? absl::StrCat("repository '", paths_[0], "'")
                                                               : "any model repository"));
  }
  if (dirs->size() > 1) return Duplicate(name, *dirs);
  return dirs->front();
}

absl::Status ModelRepositories::Duplicate(const std::string& name, const std::vector<std::string>& dirs) const {
  return absl::FailedPreconditionError(
      absl::StrCat("model '", name, "' is in more than one model repository (", absl::StrJoin(dirs, " and "),
                   "); a model name must be unique across the repositories"));
}

absl::Status ModelRepositories::ForClients(const absl::Status& status, const std::string& private_root) const {
  if (status.ok()) return status;
  struct Root {
    std::string spelling;
    std::string placeholder;
    bool relative;
  };
  std::vector<Root> roots;
  const bool one = paths_.size() == 1;
  for (size_t i = 0; i < paths_.size(); ++i) {
    for (std::string& spelling : Spellings(paths_[i])) {
      roots.push_back({std::move(spelling), one ? "<repository>" : absl::StrCat("<repository ", i + 1, ">"), one});
    }
  }
  if (!private_root.empty()) {
    for (std::string& spelling : Spellings(private_root)) {
      roots.push_back({std::move(spelling), "<files of the load request>", true});
    }
  }
  // Longest first: one spelling may lie inside another (relative in
  // absolute, a repository inside another).
  std::stable_sort(roots.begin(), roots.end(),
                   [](const Root& a, const Root& b) { return a.spelling.size() > b.spelling.size(); });
  std::string message(status.message());
  for (const Root& root : roots) {
    if (root.spelling != "." && root.spelling != "/" && !root.spelling.empty()) {
      message = Rewrite(message, root.spelling, root.placeholder, root.relative);
    }
  }
  return absl::Status(status.code(), message);
}

}  // namespace convoy::server
