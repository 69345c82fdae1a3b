// LogFlags: convoy-server's logging flags, Convoy's --log-level and Triton's
// --log-verbose, --log-info, --log-warning and --log-error, resolved to the
// severities the logger writes (log.h). Triton's --log-file is SetLogFile.
//
// How they combine: --log-level (default info) switches on its level and
// the ones above it; then each of Triton's flags that is given switches its
// own severity on or off, whatever --log-level said:
//
//   --log-verbose=N    debug lines on for N >= 1, off for 0 (Convoy has one
//                      verbose level; "true"/"false" mean 1/0, as in Triton)
//   --log-info=B       info lines on or off
//   --log-warning=B    warning lines on or off
//   --log-error=B      error lines on or off
//
// So --log-level=error --log-warning=true writes warnings and errors, and
// --log-level=debug --log-verbose=0 writes no debug lines: the flag that
// names one severity wins over the threshold. Triton's defaults (verbose 0,
// info, warning and error on) are --log-level=info, so a Triton command line
// logs the same severities under Convoy as under Triton.
//
// Thread-safety: plain values and pure functions.
#ifndef CONVOY_SERVER_CORE_LOG_FLAGS_H_
#define CONVOY_SERVER_CORE_LOG_FLAGS_H_

#include <optional>
#include <string>

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "server/core/log.h"

namespace convoy::server {

// A flag value read as Triton reads a boolean option: true, on or 1, false,
// off or 0, in any case. As a flag type it always takes a value
// (--log-info=false or --log-info false), as Triton's options do.
struct TritonBool {
  bool value = false;
};
bool AbslParseFlag(absl::string_view text, TritonBool* out, std::string* error);
std::string AbslUnparseFlag(TritonBool flag);

// --log-verbose's value as Triton reads it: an integer >= 0, or true / false
// for 1 / 0.
struct LogVerbosity {
  int level = 0;
};
bool AbslParseFlag(absl::string_view text, LogVerbosity* out, std::string* error);
std::string AbslUnparseFlag(LogVerbosity flag);

struct LogFlags {
  std::string level = "info";           // --log-level
  std::optional<LogVerbosity> verbose;  // --log-verbose, when given
  std::optional<TritonBool> info;       // --log-info, when given
  std::optional<TritonBool> warning;    // --log-warning, when given
  std::optional<TritonBool> error;      // --log-error, when given
};

// The severities to write, or INVALID_ARGUMENT naming --log-level's value
// when it is not a level.
absl::StatusOr<LogSeverities> ResolveLogFlags(const LogFlags& flags);

}  // namespace convoy::server

#endif  // CONVOY_SERVER_CORE_LOG_FLAGS_H_
