// Triton's CPU metrics from fake /proc files: utilization between scrapes,
// memory used as MemTotal - MemAvailable, zeros when /proc cannot be read.
#include "server/metrics/triton_cpu_collector.h"

#include <map>
#include <string>

#include "absl/strings/str_cat.h"
#include "gtest/gtest.h"
#include "tests/testing/temp_dir.h"

namespace convoy::server {
namespace {

std::map<std::string, double> Gauges(const TritonCpuCollector& collector) {
  std::map<std::string, double> gauges;
  for (const prometheus::MetricFamily& family : collector.Collect()) {
    EXPECT_EQ(family.type, prometheus::MetricType::Gauge) << family.name;
    EXPECT_EQ(family.metric.size(), 1u) << family.name;
    EXPECT_TRUE(family.metric[0].label.empty()) << family.name;
    gauges[family.name] = family.metric[0].gauge.value;
  }
  return gauges;
}

// /proc/stat's aggregate line: user nice system idle iowait irq softirq steal guest guest_nice.
std::string Stat(int user, int nice, int system, int idle, int iowait, int irq, int softirq, int steal) {
  return absl::StrCat("cpu  ", user, " ", nice, " ", system, " ", idle, " ", iowait, " ", irq, " ", softirq, " ",
                      steal, " 7 7\ncpu0 1 2 3 4 5 6 7 8 0 0\nintr 12345\n");
}

TEST(TritonCpuCollectorTest, UtilizationIsTheBusyShareOfTheTicksSinceTheLastScrape) {
  testing::TempDir proc;
  proc.Write("stat", Stat(100, 0, 50, 1000, 50, 0, 0, 0));
  proc.Write("meminfo", "MemTotal:       1000 kB\nMemFree:         100 kB\nMemAvailable:    400 kB\n");
  TritonCpuCollector collector({.proc_dir = proc.path().string()});

  // 60 busy ticks (user, nice, system, irq, softirq, steal) and 240 idle
  // (idle, iowait) since the collector was made: 0.2.
  proc.Write("stat", Stat(110, 10, 60, 1200, 90, 10, 10, 10));
  std::map<std::string, double> m = Gauges(collector);
  EXPECT_DOUBLE_EQ(m["nv_cpu_utilization"], 0.2);
  EXPECT_EQ(m["nv_cpu_memory_total_bytes"], 1000 * 1024);
  EXPECT_EQ(m["nv_cpu_memory_used_bytes"], 600 * 1024);
  EXPECT_EQ(m.size(), 3u);

  // Then fully busy: 100 ticks, all user.
  proc.Write("stat", Stat(210, 10, 60, 1200, 90, 10, 10, 10));
  EXPECT_DOUBLE_EQ(Gauges(collector)["nv_cpu_utilization"], 1.0);
  // No tick since: the same figure again.
  EXPECT_DOUBLE_EQ(Gauges(collector)["nv_cpu_utilization"], 1.0);
}

TEST(TritonCpuCollectorTest, UnreadableProcGivesZeros) {
  testing::TempDir proc;
  TritonCpuCollector collector({.proc_dir = proc.Path("missing")});
  std::map<std::string, double> m = Gauges(collector);
  EXPECT_EQ(m["nv_cpu_utilization"], 0);
  EXPECT_EQ(m["nv_cpu_memory_total_bytes"], 0);
  EXPECT_EQ(m["nv_cpu_memory_used_bytes"], 0);
}

TEST(TritonCpuCollectorTest, ReadsThisMachine) {
  TritonCpuCollector collector;
  std::map<std::string, double> m = Gauges(collector);
  EXPECT_GT(m["nv_cpu_memory_total_bytes"], 0);
  EXPECT_GT(m["nv_cpu_memory_used_bytes"], 0);
  EXPECT_LE(m["nv_cpu_memory_used_bytes"], m["nv_cpu_memory_total_bytes"]);
  EXPECT_GE(m["nv_cpu_utilization"], 0);
  EXPECT_LE(m["nv_cpu_utilization"], 1);
}

}  // namespace
}  // namespace convoy::server
