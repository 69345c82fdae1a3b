// ModelRepositories: the model repositories a server serves (Triton's
// --model-repository, which may be given several times) as one namespace
// of model names: where each model's directory is, which names are in two
// repositories, and how to name files to clients without telling them
// where the repositories are.
//
// A model name must be unique across the repositories, as in Triton: a
// name found in two of them is not loaded from either, and the error names
// both places.
//
// Clients (RepositoryIndex reasons, load errors) never see the
// repositories' paths; the log does. ForClients rewrites a message: with
// one repository, a file below it is named relative to it
// ("foo/config.pbtxt") and the repository itself "<repository>"; with
// several, each is "<repository N>", N counting the flags from 1
// ("<repository 2>/foo/config.pbtxt"), so an operator can still tell them
// apart.
//
// Thread-safety: immutable after Create; every method may be called
// concurrently (answers are snapshots of a file system others may change).
#ifndef CONVOY_SERVER_CORE_MODEL_REPOSITORIES_H_
#define CONVOY_SERVER_CORE_MODEL_REPOSITORIES_H_

#include <map>
#include <string>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"

namespace convoy::server {

class ModelRepositories {
 public:
  // InvalidArgument for no path or the same directory given twice, NotFound
  // naming the first path that is not a directory.
  static absl::StatusOr<ModelRepositories> Create(std::vector<std::string> paths);

  // As given, in order.
  const std::vector<std::string>& paths() const { return paths_; }
  // True if `path` names one of the repositories (as given, or the same
  // directory spelled otherwise).
  bool Contains(const std::string& path) const;

  // Every model name of every repository, sorted, each with its model
  // directories: one, or several for a name in several repositories. An
  // unreadable repository is an error (its models must not look removed).
  absl::StatusOr<std::map<std::string, std::vector<std::string>>> List() const;

  // The directories of model `name` (a name that passed
  // repository::ValidateModelName) in every repository that has it: none,
  // one, or several for an ambiguous name.
  absl::StatusOr<std::vector<std::string>> DirectoriesOf(const std::string& name) const;
  // Its one directory: NotFound if no repository has it, FailedPrecondition
  // naming both directories if two have it.
  absl::StatusOr<std::string> Locate(const std::string& name) const;
  // The error Locate returns for a name in `dirs` (two or more).
  absl::Status Duplicate(const std::string& name, const std::vector<std::string>& dirs) const;

  // `status` with the repositories' paths rewritten as the class comment
  // says; `private_root`, when not empty, is a further directory whose files
  // are named relative to it (the private directory of a load's files).
  absl::Status ForClients(const absl::Status& status, const std::string& private_root = "") const;

 private:
  explicit ModelRepositories(std::vector<std::string> paths) : paths_(std::move(paths)) {}

  std::vector<std::string> paths_;
};

}  // namespace convoy::server

#endif  // CONVOY_SERVER_CORE_MODEL_REPOSITORIES_H_
