// Structured log lines on stderr (or a file, SetLogFile), one per event, as
// key=value pairs:
//
//   ts=2026-11-28T10:00:00.123Z level=info event=model_loaded model=resnet50 version=1 ms=812
//
// Values with spaces or quotes are quoted. Thread-safe: a line is written
// with one write(2), so lines of different threads never interleave (and,
// with O_APPEND, neither do lines of processes sharing a file).
#ifndef CONVOY_SERVER_CORE_LOG_H_
#define CONVOY_SERVER_CORE_LOG_H_

#include <initializer_list>
#include <optional>
#include <string>
#include <utility>

#include "absl/status/status.h"
#include "absl/strings/string_view.h"

namespace convoy::server {

enum class LogLevel { kDebug, kInfo, kWarning, kError };

// Which severities are written. Each is switched on or off by itself, as
// Triton's --log-info, --log-warning and --log-error do (log_flags.h).
// Default: info, warning and error.
struct LogSeverities {
  bool debug = false;
  bool info = true;
  bool warning = true;
  bool error = true;

  // `level` and the severities above it.
  static LogSeverities AtLeast(LogLevel level);
};
void SetLogSeverities(LogSeverities severities);
LogSeverities GetLogSeverities();
// Lines below this level are dropped: SetLogSeverities(AtLeast(level)).
void SetLogLevel(LogLevel level);
// Lines go to `path`, appended, from now on; "" = back to stderr. The
// previous file, if any, is closed. An error names the path when it cannot
// be opened (and the destination stays as it was).
// REQUIRES: no other thread logs meanwhile (call it at startup).
absl::Status SetLogFile(const std::string& path);
// "debug", "info", "warning" or "error"; nullopt for anything else.
std::optional<LogLevel> ParseLogLevel(absl::string_view text);

using LogField = std::pair<absl::string_view, std::string>;
// Values longer than kMaxLogValueBytes are clipped (ClipText); control
// characters are escaped, so a client's bytes cannot forge lines.
void Log(LogLevel level, absl::string_view event, std::initializer_list<LogField> fields = {});

constexpr size_t kMaxLogValueBytes = 1024;

// `text` if it has at most `max_bytes`, else its first `max_bytes` followed
// by "...(N more bytes)": for client-supplied text echoed in logs and errors.
std::string ClipText(absl::string_view text, size_t max_bytes);

}  // namespace convoy::server

#endif  // CONVOY_SERVER_CORE_LOG_H_
