// The directory structure of a model repository, as in Triton:
//
//   <repository>/
//     <model name>/
//       config.pbtxt            optional; see model_config.h
//       labels.txt              optional; named by output.label_filename
//       1/model.onnx            one directory per version, a positive integer
//       2/model.onnx
//
// These functions only look at the file system; which versions to load and
// when to reload is decided by their caller (the model manager).
//
// Symlinks: a model or version directory may be a symlink, but only to a
// directory inside the repository root (after resolving every link with
// std::filesystem::weakly_canonical). One that leads outside is skipped as if
// absent, so that publishing into the repository cannot make the server read
// arbitrary directories. ListVersions takes the repository root to be the
// parent of `model_dir`.
//
// Thread-safety: stateless; every function may be called concurrently, but
// answers are snapshots of a file system others may be changing.
#ifndef CONVOY_REPOSITORY_REPOSITORY_LAYOUT_H_
#define CONVOY_REPOSITORY_REPOSITORY_LAYOUT_H_

#include <cstdint>
#include <string>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "model_config.pb.h"

namespace convoy::repository {

// Names a load request may use: non-empty, at most 255 bytes, only
// [A-Za-z0-9._-], not starting with '.' (so neither "." nor ".." nor hidden
// directories). InvalidArgument saying which rule failed otherwise. A name
// that passes is safe to join to the repository root.
absl::Status ValidateModelName(absl::string_view name);

// The subdirectories of the repository whose names are valid model names,
// sorted. Files, invalid names and symlinks leading outside the repository
// are skipped. NotFound if `repository_root` is missing or not a directory.
absl::StatusOr<std::vector<std::string>> ListModels(const std::string& repository_root);

// The version subdirectories of a model, ascending: names that are positive
// decimal integers without sign or leading zeros ("1", "2", "10"; not "01",
// "+1", "0"). Other entries are ignored. NotFound if `model_dir` is missing
// or not a directory.
absl::StatusOr<std::vector<int64_t>> ListVersions(const std::string& model_dir);

// The versions to serve, ascending. `available` need not be sorted.
//   latest{n}: the n highest (n = 0 or no policy at all means 1);
//   all:       every available version;
//   specific:  exactly those listed; NotFound naming each listed version
//              that has no directory.
// NotFound ("no version directory") if the result is empty.
absl::StatusOr<std::vector<int64_t>> SelectVersions(const inference::ModelVersionPolicy& policy,
                                                    const std::vector<int64_t>& available);

// A labels file: one label per line, in class-index order; a trailing '\r'
// is stripped (files written on Windows) and a final newline does not add a
// label. NotFound if absent; InvalidArgument if empty, over 64 MiB or over
// 1,000,000 lines.
absl::StatusOr<std::vector<std::string>> ReadLabels(const std::string& path);

// OK if `path`, with every symbolic link resolved, lies inside
// `repository_root`; PermissionDenied naming both otherwise. Files a model
// names (its ONNX file, its labels) are checked with it before they are
// read, so a link in a repository cannot expose a file outside it.
absl::Status CheckInsideRepository(const std::string& repository_root, const std::string& path);

// A digest (32 hex digits) of everything that affects how a model is served,
// so a poller can tell that a model changed: the contents of the files at the
// top of `model_dir` (config.pbtxt, label files; files over 1 MiB by size and
// mtime instead), and for each version directory (as ListVersions finds them)
// the relative path, size and mtime in ns of every file, recursively.
// Symlinked directories inside a version are recorded by target, not walked.
// Equal across calls while nothing changed. Not a cryptographic hash. NotFound
// if `model_dir` is missing; ResourceExhausted over 100,000 entries.
absl::StatusOr<std::string> ModelFingerprint(const std::string& model_dir);

}  // namespace convoy::repository

#endif  // CONVOY_REPOSITORY_REPOSITORY_LAYOUT_H_
