#include "server/metrics/process_collector.h"

#include <sys/resource.h>
#include <unistd.h>

#include <filesystem>
#include <fstream>
#include <sstream>
#include <string>

namespace convoy::server {
namespace {

prometheus::MetricFamily One(const char* name, const char* help, prometheus::MetricType type, double value) {
  prometheus::ClientMetric metric;
  if (type == prometheus::MetricType::Counter) {
    metric.counter.value = value;
  } else {
    metric.gauge.value = value;
  }
  return {name, help, type, {metric}};
}

// The fields of /proc/self/stat after the command name, which may contain
// spaces and is enclosed in the last parentheses: fields[0] is field 3.
std::vector<std::string> StatFields() {
  std::ifstream in("/proc/self/stat");
  std::string line;
  std::getline(in, line);
  std::vector<std::string> fields;
  const size_t close = line.rfind(')');
  if (close == std::string::npos) return fields;
  std::istringstream rest(line.substr(close + 2));
  for (std::string field; rest >> field;) fields.push_back(field);
  return fields;
}

double BootTimeSeconds() {
  std::ifstream in("/proc/stat");
  for (std::string key; in >> key;) {
    if (key == "btime") {
      double value = 0;
      in >> value;
      return value;
    }
  }
  return 0;
}

// User and system time of all threads, to the microsecond: /proc/self/stat
// counts whole clock ticks (10 ms), too coarse for a process just started.
double CpuSeconds() {
  rusage usage{};
  if (getrusage(RUSAGE_SELF, &usage) != 0) return 0;
  auto seconds = [](const timeval& t) {
    return static_cast<double>(t.tv_sec) + static_cast<double>(t.tv_usec) * 1e-6;
  };
  return seconds(usage.ru_utime) + seconds(usage.ru_stime);
}

}  // namespace

std::vector<prometheus::MetricFamily> ProcessCollector::Collect() const {
  const std::vector<std::string> f = StatFields();
  if (f.size() < 22) return {};
  const double ticks = static_cast<double>(sysconf(_SC_CLK_TCK));
  const double page = static_cast<double>(sysconf(_SC_PAGESIZE));
  // Fields 20 (threads), 22 (start), 23 (vsize), 24 (rss).
  const double cpu = CpuSeconds();
  const double threads = std::stod(f[17]);
  const double start = BootTimeSeconds() + std::stod(f[19]) / ticks;
  const double virtual_bytes = std::stod(f[20]);
  const double resident_bytes = std::stod(f[21]) * page;
  std::error_code error;
  double open_fds = 0;
  for (auto it = std::filesystem::directory_iterator("/proc/self/fd", error);
       !error && it != std::filesystem::directory_iterator(); it.increment(error)) {
    ++open_fds;
  }
  rlimit files{};
  getrlimit(RLIMIT_NOFILE, &files);
  using prometheus::MetricType;
  return {One("process_cpu_seconds_total", "User and system CPU time, in seconds", MetricType::Counter, cpu),
          One("process_resident_memory_bytes", "Resident memory", MetricType::Gauge, resident_bytes),
          One("process_virtual_memory_bytes", "Virtual memory", MetricType::Gauge, virtual_bytes),
          One("process_open_fds", "Open file descriptors", MetricType::Gauge, open_fds),
          One("process_max_fds", "Limit of open file descriptors", MetricType::Gauge,
              static_cast<double>(files.rlim_cur)),
          One("process_threads", "Threads of the process", MetricType::Gauge, threads),
          One("process_start_time_seconds", "Start time since the Unix epoch", MetricType::Gauge, start)};
}

}  // namespace convoy::server
