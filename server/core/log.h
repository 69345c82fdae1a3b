// Structured log lines on stderr, one per event, as key=value pairs:
//
//   ts=2026-11-28T10:00:00.123Z level=info event=model_loaded model=resnet50 version=1 ms=812
//
// Values with spaces or quotes are quoted. Thread-safe: a line is written
// with one call, so lines of different threads never interleave.
#ifndef CONVOY_SERVER_CORE_LOG_H_
#define CONVOY_SERVER_CORE_LOG_H_

#include <initializer_list>
#include <optional>
#include <string>
#include <utility>

#include "absl/strings/string_view.h"

namespace convoy::server {

enum class LogLevel { kDebug, kInfo, kWarning, kError };

// Lines below this level are dropped. Default kInfo.
void SetLogLevel(LogLevel level);
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
