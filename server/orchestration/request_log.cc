#include "server/orchestration/request_log.h"

#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "absl/time/clock.h"
#include "server/core/log.h"

namespace convoy::server {

bool RequestLog::AdmitFailure(int64_t* suppressed) {
  const absl::Time now = absl::Now();
  absl::MutexLock lock(&mu_);
  if (now - window_start_ >= absl::Seconds(1)) {
    window_start_ = now;
    in_window_ = 0;
  }
  if (in_window_ >= max_failures_per_second_) {
    ++suppressed_;
    return false;
  }
  ++in_window_;
  *suppressed = suppressed_;
  suppressed_ = 0;
  return true;
}

void RequestLog::Record(const std::string& model, const std::string& version, RequestLabels labels,
                        const absl::Status& status, int64_t items, absl::Duration total) {
  if (!access_log_ && status.ok()) return;  // The common case: nothing to format.
  const std::string ms = absl::StrFormat("%.3f", absl::ToDoubleMilliseconds(total));
  if (access_log_) {
    Log(LogLevel::kInfo, "request",
        {{"model", model},
         {"version", version},
         {"kind", RequestKindName(labels.kind)},
         {"protocol", ProtocolName(labels.protocol)},
         {"outcome", OutcomeName(OutcomeOf(status.code()))},
         {"items", absl::StrCat(items)},
         {"ms", ms}});
  }
  int64_t suppressed = 0;
  if (status.ok() || !AdmitFailure(&suppressed)) return;
  Log(LogLevel::kWarning, "request_failed",
      {{"model", model},
       {"version", version},
       {"kind", RequestKindName(labels.kind)},
       {"protocol", ProtocolName(labels.protocol)},
       {"code", absl::StatusCodeToString(status.code())},
       {"error", std::string(status.message())},
       {"ms", ms},
       {"suppressed", absl::StrCat(suppressed)}});
}

}  // namespace convoy::server
