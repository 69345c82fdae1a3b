#include "server/core/log.h"

#include <fcntl.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <cerrno>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "absl/time/clock.h"
#include "absl/time/time.h"

namespace convoy::server {
namespace {

// Bit (1 << level) set: lines of that level are written.
std::atomic<unsigned> g_severities{(1u << static_cast<int>(LogLevel::kInfo)) |
                                   (1u << static_cast<int>(LogLevel::kWarning)) |
                                   (1u << static_cast<int>(LogLevel::kError))};
std::atomic<int> g_fd{STDERR_FILENO};

unsigned Bit(LogLevel level) { return 1u << static_cast<int>(level); }

// The whole line, retrying after signals and short writes; a line that
// cannot be written is dropped (there is nowhere to report it).
void WriteLine(const std::string& line) {
  const int fd = g_fd.load(std::memory_order_acquire);
  const char* data = line.data();
  size_t left = line.size();
  while (left > 0) {
    const ssize_t n = ::write(fd, data, left);
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) return;
    data += n;
    left -= static_cast<size_t>(n);
  }
}

const char* LevelName(LogLevel level) {
  switch (level) {
    case LogLevel::kDebug: return "debug";
    case LogLevel::kInfo: return "info";
    case LogLevel::kWarning: return "warning";
    case LogLevel::kError: return "error";
  }
  return "info";
}

void AppendValue(std::string* line, absl::string_view value) {
  const std::string clipped = ClipText(value, kMaxLogValueBytes);
  const bool plain = !clipped.empty() && std::none_of(clipped.begin(), clipped.end(), [](char c) {
    return c == ' ' || c == '"' || c == '=' || c == '\\' || static_cast<unsigned char>(c) < 0x20 || c == 0x7f;
  });
  if (plain) {
    absl::StrAppend(line, clipped);
    return;
  }
  line->push_back('"');
  for (const char c : clipped) {
    switch (c) {
      case '"': absl::StrAppend(line, "\\\""); break;
      case '\\': absl::StrAppend(line, "\\\\"); break;
      case '\n': absl::StrAppend(line, "\\n"); break;
      case '\t': absl::StrAppend(line, "\\t"); break;
      case '\r': absl::StrAppend(line, "\\r"); break;
      default:
        if (static_cast<unsigned char>(c) < 0x20 || c == 0x7f) {
          absl::StrAppendFormat(line, "\\x%02x", static_cast<unsigned char>(c));
        } else {
          line->push_back(c);
        }
    }
  }
  line->push_back('"');
}

}  // namespace

std::string ClipText(absl::string_view text, size_t max_bytes) {
  if (text.size() <= max_bytes) return std::string(text);
  return absl::StrCat(text.substr(0, max_bytes), "...(", text.size() - max_bytes, " more bytes)");
}

LogSeverities LogSeverities::AtLeast(LogLevel level) {
  return {.debug = level <= LogLevel::kDebug,
          .info = level <= LogLevel::kInfo,
          .warning = level <= LogLevel::kWarning,
          .error = true};
}

void SetLogSeverities(LogSeverities severities) {
  g_severities.store((severities.debug ? Bit(LogLevel::kDebug) : 0) | (severities.info ? Bit(LogLevel::kInfo) : 0) |
                     (severities.warning ? Bit(LogLevel::kWarning) : 0) |
                     (severities.error ? Bit(LogLevel::kError) : 0));
}

LogSeverities GetLogSeverities() {
  const unsigned bits = g_severities.load();
  return {.debug = (bits & Bit(LogLevel::kDebug)) != 0,
          .info = (bits & Bit(LogLevel::kInfo)) != 0,
          .warning = (bits & Bit(LogLevel::kWarning)) != 0,
          .error = (bits & Bit(LogLevel::kError)) != 0};
}

void SetLogLevel(LogLevel level) { SetLogSeverities(LogSeverities::AtLeast(level)); }

absl::Status SetLogFile(const std::string& path) {
  int fd = STDERR_FILENO;
  if (!path.empty()) {
    fd = ::open(path.c_str(), O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0644);
    if (fd < 0) return absl::ErrnoToStatus(errno, absl::StrCat("cannot open log file '", path, "'"));
  }
  const int previous = g_fd.exchange(fd, std::memory_order_acq_rel);
  if (previous != STDERR_FILENO) ::close(previous);
  return absl::OkStatus();
}

std::optional<LogLevel> ParseLogLevel(absl::string_view text) {
  for (LogLevel level : {LogLevel::kDebug, LogLevel::kInfo, LogLevel::kWarning, LogLevel::kError}) {
    if (text == LevelName(level)) return level;
  }
  return std::nullopt;
}

void Log(LogLevel level, absl::string_view event, std::initializer_list<LogField> fields) {
  if ((g_severities.load(std::memory_order_relaxed) & Bit(level)) == 0) return;
  std::string line = absl::StrCat(
      "ts=", absl::FormatTime("%Y-%m-%dT%H:%M:%E3SZ", absl::Now(), absl::UTCTimeZone()),
      " level=", LevelName(level), " event=", event);
  for (const LogField& field : fields) {
    absl::StrAppend(&line, " ", field.first, "=");
    AppendValue(&line, field.second);
  }
  line.push_back('\n');
  WriteLine(line);
}

}  // namespace convoy::server
