#include "bench/abuse/server_process.h"

#include <unistd.h>

#include <fstream>
#include <sstream>
#include <string>
#include <vector>

#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_split.h"
#include "absl/strings/strip.h"

namespace convoy::abuse {
namespace {

absl::StatusOr<std::string> ReadFile(const std::string& path) {
  std::ifstream in(path);
  if (!in) return absl::NotFoundError(absl::StrCat("cannot read ", path));
  std::stringstream text;
  text << in.rdbuf();
  return text.str();
}

// Fields of /proc/PID/stat after the command name, which may hold spaces:
// [0] is the state (field 3 of proc(5)).
absl::StatusOr<std::vector<std::string>> StatFields(pid_t pid) {
  absl::StatusOr<std::string> stat = ReadFile(absl::StrCat("/proc/", pid, "/stat"));
  if (!stat.ok()) return stat.status();
  const size_t paren = stat->rfind(')');
  if (paren == std::string::npos || paren + 2 > stat->size()) {
    return absl::DataLossError("unexpected /proc/PID/stat");
  }
  return std::vector<std::string>(absl::StrSplit(stat->substr(paren + 2), ' ', absl::SkipEmpty()));
}

}  // namespace

absl::Status ServerProcess::ResetPeakRss() {
  std::ofstream out(absl::StrCat("/proc/", pid_, "/clear_refs"));
  out << "5";
  out.close();
  if (!out)
    return absl::PermissionDeniedError(absl::StrCat("cannot write /proc/", pid_, "/clear_refs"));
  return absl::OkStatus();
}

absl::StatusOr<int64_t> ServerProcess::StatusFieldBytes(const char* field) const {
  absl::StatusOr<std::string> status = ReadFile(absl::StrCat("/proc/", pid_, "/status"));
  if (!status.ok()) return status.status();
  for (absl::string_view line : absl::StrSplit(*status, '\n')) {
    if (!absl::ConsumePrefix(&line, field) || !absl::ConsumePrefix(&line, ":")) continue;
    line = absl::StripAsciiWhitespace(line);
    absl::ConsumeSuffix(&line, " kB");
    int64_t kb = 0;
    if (!absl::SimpleAtoi(line, &kb)) break;
    return kb * 1024;
  }
  return absl::DataLossError(absl::StrCat("no ", field, " in /proc/", pid_, "/status"));
}

absl::StatusOr<int64_t> ServerProcess::PeakRssBytes() const { return StatusFieldBytes("VmHWM"); }
absl::StatusOr<int64_t> ServerProcess::RssBytes() const { return StatusFieldBytes("VmRSS"); }

absl::StatusOr<double> ServerProcess::CpuSeconds() const {
  absl::StatusOr<std::vector<std::string>> fields = StatFields(pid_);
  if (!fields.ok()) return fields.status();
  // utime and stime are fields 14 and 15 of proc(5), [11] and [12] here.
  int64_t utime = 0, stime = 0;
  if (fields->size() < 13 || !absl::SimpleAtoi((*fields)[11], &utime) ||
      !absl::SimpleAtoi((*fields)[12], &stime)) {
    return absl::DataLossError("unexpected /proc/PID/stat");
  }
  return static_cast<double>(utime + stime) / sysconf(_SC_CLK_TCK);
}

bool ServerProcess::Alive() const {
  absl::StatusOr<std::vector<std::string>> fields = StatFields(pid_);
  return fields.ok() && !fields->empty() && (*fields)[0] != "Z" && (*fields)[0] != "X";
}

absl::Duration ServerProcess::WaitUntilIdle(absl::Duration window, double busy_fraction,
                                            absl::Duration limit) const {
  const absl::Time start = absl::Now();
  while (absl::Now() - start < limit && Alive()) {
    absl::StatusOr<double> before = CpuSeconds();
    absl::SleepFor(window);
    absl::StatusOr<double> after = CpuSeconds();
    if (!before.ok() || !after.ok()) break;
    if (*after - *before < busy_fraction * absl::ToDoubleSeconds(window)) break;
  }
  return absl::Now() - start;
}

}  // namespace convoy::abuse
