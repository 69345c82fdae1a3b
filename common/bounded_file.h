// Small-file reading for every module: a model repository's config.pbtxt,
// labels and int8 calibrations, PEM and token files, images the tools send.
// It needs only absl and POSIX, so the engine, the repository, the server and
// the tools all reach it; it is the project's one bounded reader.
//
// Files in a model repository may be written by anyone who can publish a
// model, so every read is bounded: a file larger than `max_bytes` is refused
// before it is read, not after it has filled memory.
#ifndef CONVOY_COMMON_BOUNDED_FILE_H_
#define CONVOY_COMMON_BOUNDED_FILE_H_

#include <cstdint>
#include <string>

#include "absl/status/statusor.h"

namespace convoy {

// Reads the whole regular file at `path`. Errors name the path: NotFound
// (absent), InvalidArgument (a directory or other non-regular file, or more
// than `max_bytes`), otherwise the errno of the failing call.
absl::StatusOr<std::string> ReadBoundedFile(const std::string& path, int64_t max_bytes);

}  // namespace convoy

#endif  // CONVOY_COMMON_BOUNDED_FILE_H_
