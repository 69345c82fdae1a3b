// Small-file reading for the repository module: config.pbtxt, label files.
//
// Files in a model repository may be written by anyone who can publish a
// model, so every read is bounded: a file larger than `max_bytes` is refused
// before it is read, not after it has filled memory.
#ifndef CONVOY_SERVER_REPOSITORY_FILE_UTIL_H_
#define CONVOY_SERVER_REPOSITORY_FILE_UTIL_H_

#include <cstdint>
#include <string>

#include "absl/status/statusor.h"

namespace convoy::server {

// Reads the whole regular file at `path`. Errors name the path: NotFound
// (absent), InvalidArgument (a directory or other non-regular file, or more
// than `max_bytes`), otherwise the errno of the failing call.
absl::StatusOr<std::string> ReadBoundedFile(const std::string& path, int64_t max_bytes);

}  // namespace convoy::server

#endif  // CONVOY_SERVER_REPOSITORY_FILE_UTIL_H_
