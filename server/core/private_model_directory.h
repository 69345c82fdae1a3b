// PrivateModelDirectory: a model directory made of the files a load request
// carries (Triton's "file:<path>" load parameters, e.g. "file:1/model.onnx"),
// in a fresh directory of its own, never inside a model repository:
//
//   <root>/convoy-model-XXXXXX/     created by mkdtemp, mode 0700
//     <model name>/                 what the model is loaded from
//       1/model.onnx                the request's files, mode 0600
//
// Paths are checked before anything is written: each is relative, made of
// non-empty components other than "." and "..", without NUL, at most 4096
// bytes; "config.pbtxt" is refused (the configuration is the load's
// `config` parameter). Files are created with O_EXCL | O_NOFOLLOW in
// directories this class made, so nothing can lead a write outside the
// directory. The object owns the directory: its destructor removes it with
// everything in it (the model manager drops it when the model is unloaded,
// reloaded, or the server stops; a process that is killed leaves it behind
// in the temporary directory).
//
// Thread-safety: immutable after Create.
#ifndef CONVOY_SERVER_CORE_PRIVATE_MODEL_DIRECTORY_H_
#define CONVOY_SERVER_CORE_PRIVATE_MODEL_DIRECTORY_H_

#include <cstdint>
#include <map>
#include <memory>
#include <string>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"

namespace convoy::server {

class PrivateModelDirectory {
 public:
  // Writes `files` (relative path -> content) below a new directory in
  // `root` (empty: the system's temporary directory, $TMPDIR or /tmp).
  // InvalidArgument naming the "file:" parameter for a bad path (see above)
  // or for a path whose directory is also given as a file; Internal for a
  // file system error (logged with the path; the message names only the
  // parameter), and nothing is left behind.
  static absl::StatusOr<std::unique_ptr<PrivateModelDirectory>> Create(
      const std::string& root, const std::string& model_name, const std::map<std::string, std::string>& files);

  ~PrivateModelDirectory();  // Removes the directory and everything in it.
  PrivateModelDirectory(const PrivateModelDirectory&) = delete;
  PrivateModelDirectory& operator=(const PrivateModelDirectory&) = delete;

  // <root>/convoy-model-XXXXXX: the directory removed at the end.
  const std::string& path() const { return path_; }
  // <path()>/<model name>: the model's directory.
  const std::string& model_dir() const { return model_dir_; }
  // The files' total size.
  int64_t bytes() const { return bytes_; }

 private:
  PrivateModelDirectory(std::string path, std::string model_dir) : path_(std::move(path)), model_dir_(std::move(model_dir)) {}

  const std::string path_;
  const std::string model_dir_;
  int64_t bytes_ = 0;
};

// OK if `path` may name a file of a private model directory (see above);
// InvalidArgument saying why not otherwise.
absl::Status ValidatePrivateFilePath(absl::string_view path);

}  // namespace convoy::server

#endif  // CONVOY_SERVER_CORE_PRIVATE_MODEL_DIRECTORY_H_
