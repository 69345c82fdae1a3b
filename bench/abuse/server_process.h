// ServerProcess: what the abuse benchmark measures of the server from
// outside, through /proc/PID: its peak resident memory since the last
// reset (VmHWM, reset by writing 5 to clear_refs), its CPU time
// (utime + stime of /proc/PID/stat) and whether it is still alive.
//
// Needs the right to write the process's clear_refs (same user or root).
// Thread-safety: not thread-safe; one thread drives the benchmark.
#ifndef CONVOY_BENCH_ABUSE_SERVER_PROCESS_H_
#define CONVOY_BENCH_ABUSE_SERVER_PROCESS_H_

#include <sys/types.h>

#include <cstdint>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/time/time.h"

namespace convoy::abuse {

class ServerProcess {
 public:
  explicit ServerProcess(pid_t pid) : pid_(pid) {}

  // Starts a new peak: VmHWM becomes the current VmRSS.
  absl::Status ResetPeakRss();
  absl::StatusOr<int64_t> PeakRssBytes() const;  // VmHWM
  absl::StatusOr<int64_t> RssBytes() const;      // VmRSS
  absl::StatusOr<double> CpuSeconds() const;     // user + system
  // Exists and is not a zombie.
  bool Alive() const;
  // Waits until the process uses less than `busy_fraction` of one core over
  // `window`, for at most `limit`: the work an attack queued is done.
  // Returns how long it waited.
  absl::Duration WaitUntilIdle(absl::Duration window, double busy_fraction,
                               absl::Duration limit) const;

  pid_t pid() const { return pid_; }

 private:
  absl::StatusOr<int64_t> StatusFieldBytes(const char* field) const;

  const pid_t pid_;
};

}  // namespace convoy::abuse

#endif  // CONVOY_BENCH_ABUSE_SERVER_PROCESS_H_
