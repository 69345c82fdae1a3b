#include "server/core/log_flags.h"

#include "absl/strings/ascii.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"

namespace convoy::server {

bool AbslParseFlag(absl::string_view text, TritonBool* out, std::string* error) {
  const std::string lower = absl::AsciiStrToLower(text);
  if (lower == "true" || lower == "on" || lower == "1") {
    out->value = true;
    return true;
  }
  if (lower == "false" || lower == "off" || lower == "0") {
    out->value = false;
    return true;
  }
  *error = "expected true, false, on, off, 1 or 0";
  return false;
}

std::string AbslUnparseFlag(TritonBool flag) { return flag.value ? "true" : "false"; }

bool AbslParseFlag(absl::string_view text, LogVerbosity* out, std::string* error) {
  const std::string lower = absl::AsciiStrToLower(text);
  if (lower == "true" || lower == "false") {
    out->level = lower == "true" ? 1 : 0;
    return true;
  }
  int level = 0;
  if (!absl::SimpleAtoi(text, &level) || level < 0) {
    *error = "expected a verbose level >= 0 (0 = off), true or false";
    return false;
  }
  out->level = level;
  return true;
}

std::string AbslUnparseFlag(LogVerbosity flag) { return absl::StrCat(flag.level); }

absl::StatusOr<LogSeverities> ResolveLogFlags(const LogFlags& flags) {
  std::optional<LogLevel> level = ParseLogLevel(flags.level);
  if (!level) {
    return absl::InvalidArgumentError(
        absl::StrCat("--log-level must be debug, info, warning or error, not '", flags.level, "'"));
  }
  LogSeverities severities = LogSeverities::AtLeast(*level);
  if (flags.verbose) severities.debug = flags.verbose->level > 0;
  if (flags.info) severities.info = flags.info->value;
  if (flags.warning) severities.warning = flags.warning->value;
  if (flags.error) severities.error = flags.error->value;
  return severities;
}

}  // namespace convoy::server
