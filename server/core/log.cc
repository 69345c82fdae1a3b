#include "server/core/log.h"

#include <algorithm>
#include <atomic>
#include <cstdio>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "absl/time/clock.h"
#include "absl/time/time.h"

namespace convoy::server {
namespace {

std::atomic<int> g_level{static_cast<int>(LogLevel::kInfo)};

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

void SetLogLevel(LogLevel level) { g_level = static_cast<int>(level); }

std::optional<LogLevel> ParseLogLevel(absl::string_view text) {
  for (LogLevel level : {LogLevel::kDebug, LogLevel::kInfo, LogLevel::kWarning, LogLevel::kError}) {
    if (text == LevelName(level)) return level;
  }
  return std::nullopt;
}

void Log(LogLevel level, absl::string_view event, std::initializer_list<LogField> fields) {
  if (static_cast<int>(level) < g_level.load(std::memory_order_relaxed)) return;
  std::string line = absl::StrCat(
      "ts=", absl::FormatTime("%Y-%m-%dT%H:%M:%E3SZ", absl::Now(), absl::UTCTimeZone()),
      " level=", LevelName(level), " event=", event);
  for (const LogField& field : fields) {
    absl::StrAppend(&line, " ", field.first, "=");
    AppendValue(&line, field.second);
  }
  line.push_back('\n');
  std::fwrite(line.data(), 1, line.size(), stderr);
}

}  // namespace convoy::server
