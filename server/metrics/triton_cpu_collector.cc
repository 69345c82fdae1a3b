#include "server/metrics/triton_cpu_collector.h"

#include <fstream>
#include <sstream>
#include <utility>

namespace convoy::server {
namespace {

prometheus::MetricFamily Gauge(const char* name, const char* help, double value) {
  prometheus::ClientMetric metric;
  metric.gauge.value = value;
  return {name, help, prometheus::MetricType::Gauge, {metric}};
}

// Counters that went backwards (a wrap) count as no time, as in Triton.
uint64_t Since(uint64_t now, uint64_t before) { return now > before ? now - before : 0; }

struct MemInfo {
  double total = 0;
  double used = 0;
};

MemInfo ReadMemInfo(const std::string& path) {
  std::ifstream in(path);
  double total = -1, available = -1;
  for (std::string line; std::getline(in, line);) {
    std::istringstream fields(line);
    std::string name;
    double kib = 0;
    if (!(fields >> name >> kib)) continue;
    if (name == "MemTotal:") total = kib * 1024;
    if (name == "MemAvailable:") available = kib * 1024;
  }
  if (total < 0 || available < 0 || available > total) return {};
  return {total, total - available};
}

}  // namespace

TritonCpuCollector::TritonCpuCollector(TritonCpuCollectorOptions options) : options_(std::move(options)) {
  absl::MutexLock lock(&mu_);
  last_ = ReadCpuTicks();
}

TritonCpuCollector::CpuTicks TritonCpuCollector::ReadCpuTicks() const {
  std::ifstream in(options_.proc_dir + "/stat");
  std::string line;
  std::getline(in, line);
  std::istringstream fields(line);
  std::string cpu;
  uint64_t user = 0, nice = 0, system = 0, idle = 0, iowait = 0, irq = 0, softirq = 0, steal = 0;
  // guest and guest_nice are already counted in user and nice.
  if (!(fields >> cpu >> user >> nice >> system >> idle >> iowait >> irq >> softirq >> steal) || cpu != "cpu") {
    return {};
  }
  return {user + nice + system + irq + softirq + steal, idle + iowait, true};
}

std::vector<prometheus::MetricFamily> TritonCpuCollector::Collect() const {
  const CpuTicks now = ReadCpuTicks();
  double utilization = 0;
  {
    absl::MutexLock lock(&mu_);
    if (now.ok && last_.ok) {
      const uint64_t busy = Since(now.busy, last_.busy);
      const uint64_t total = busy + Since(now.idle, last_.idle);
      // A scrape less than a clock tick after the last repeats its figure
      // and keeps measuring from the same sample.
      if (total > 0) {
        last_utilization_ = static_cast<double>(busy) / static_cast<double>(total);
        last_ = now;
      }
      utilization = last_utilization_;
    } else if (now.ok) {
      last_ = now;
    }
  }
  const MemInfo memory = ReadMemInfo(options_.proc_dir + "/meminfo");
  // Names and HELP texts are Triton's (core, src/metrics.cc).
  return {Gauge("nv_cpu_utilization", "CPU utilization rate [0.0 - 1.0]", utilization),
          Gauge("nv_cpu_memory_total_bytes", "CPU total memory (RAM), in bytes", memory.total),
          Gauge("nv_cpu_memory_used_bytes", "CPU used memory (RAM), in bytes", memory.used)};
}

}  // namespace convoy::server
