#include "tools/convoy_loadgen/step_format.h"

#include <vector>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "absl/strings/str_join.h"
#include "tools/convoy_loadgen/stable_step.h"

namespace convoy {
namespace {

std::string LoadText(const RunDescription& run, const StepLoad& load) {
  if (load.rate > 0) return absl::StrFormat("%.1f requests/s (%s arrivals)", load.rate, run.arrivals);
  return absl::StrCat("concurrency ", load.concurrency);
}

std::string ErrorsText(const StepReport& step, absl::string_view separator) {
  std::vector<std::string> parts;
  for (const auto& [code, count] : step.result.errors) {
    parts.push_back(absl::StrCat(absl::StatusCodeToString(code), "=", count));
  }
  return absl::StrJoin(parts, separator);
}

}  // namespace

std::string FormatTable(const RunDescription& run, const StepReport& step) {
  const std::string crops = run.multicrop > 1 ? absl::StrCat(" x ", run.multicrop, " crops") : "";
  const std::string over = run.protocol == "grpc" ? "" : absl::StrCat(", over ", run.protocol);
  std::string out = absl::StrFormat("%s at %s, batch %d%s%s, %.1f s measured\n", run.model,
                                    LoadText(run, step.load), run.batch, crops, over, step.seconds);
  absl::StrAppendFormat(&out, "  throughput  %.1f requests/s, %.1f items/s\n", step.requests_per_s,
                        step.requests_per_s * static_cast<double>(run.batch));
  absl::StrAppendFormat(&out, "  latency     p50 %.3f ms  p90 %.3f ms  p95 %.3f ms  p99 %.3f ms  max %.3f ms\n",
                        step.latency.p50_ms, step.latency.p90_ms, step.latency.p95_ms, step.latency.p99_ms,
                        step.latency.max_ms);
  if (run.percentile > 0) {
    absl::StrAppendFormat(&out, "  percentile  p%g %.3f ms (judges stability and --latency-threshold)\n",
                          run.percentile, StabilizingLatencyMs(step, run.percentile));
  }
  if (step.server_counted) {
    absl::StrAppendFormat(&out, "  server      %.0f requests, batch %.2f items/execution, queue %.0f us, "
                                "compute %.0f us\n",
                          step.server.requests, step.server.batch_size, step.server.queue_us, step.server.compute_us);
  }
  absl::StrAppendFormat(&out, "  client      %.2f cores busy, %.0f us to send a request\n", step.client_cpu_cores,
                        step.client_send_us);
  if (run.stability_percentage > 0) {
    absl::StrAppendFormat(&out, "  windows     %d measured; %s within %g %%\n", step.windows,
                          step.stable ? "figures of the last 3, which agree" : "UNSTABLE: the last 3 do not agree",
                          run.stability_percentage);
  }
  if (step.errors > 0) absl::StrAppend(&out, "  errors      ", ErrorsText(step, "  "), "\n");
  return out;
}

std::string FormatJson(const RunDescription& run, const StepReport& step) {
  std::string errors = "{";
  bool first = true;
  for (const auto& [code, count] : step.result.errors) {
    absl::StrAppend(&errors, first ? "" : ", ", "\"", absl::StatusCodeToString(code), "\": ", count);
    first = false;
  }
  errors += "}";
  std::string json = absl::StrFormat(
      "{\"model\": \"%s\", \"protocol\": \"%s\", \"concurrency\": %d, \"request_rate\": %.2f, \"batch\": %d, "
      "\"multicrop\": %d, \"seconds\": %.3f, \"requests\": %d, \"errors\": %d, \"errors_by_code\": %s, \"requests_per_s\": %.2f, "
      "\"items_per_s\": %.2f, \"p50_ms\": %.3f, \"p90_ms\": %.3f, \"p95_ms\": %.3f, \"p99_ms\": %.3f, "
      "\"max_ms\": %.3f, \"server_requests\": %.0f, \"server_batch_size\": %.2f, \"server_queue_us\": %.1f, "
      "\"server_compute_us\": %.1f, \"client_cpu_cores\": %.2f, \"client_send_us\": %.1f, \"windows\": %d, \"stable\": %s}",
      run.model, run.protocol, step.load.rate > 0 ? 0 : step.load.concurrency, step.load.rate, run.batch,
      run.multicrop, step.seconds, step.result.succeeded, step.errors, errors, step.requests_per_s,
      step.requests_per_s * static_cast<double>(run.batch), step.latency.p50_ms, step.latency.p90_ms,
      step.latency.p95_ms, step.latency.p99_ms, step.latency.max_ms, step.server.requests,
      step.server.batch_size, step.server.queue_us, step.server.compute_us, step.client_cpu_cores, step.client_send_us,
      step.windows, step.stable ? "true" : "false");
  json.pop_back();  // The closing brace: the optional fields go before it.
  if (run.percentile > 0) {
    absl::StrAppendFormat(&json, ", \"percentile\": %g, \"percentile_ms\": %.3f", run.percentile,
                          StabilizingLatencyMs(step, run.percentile));
  }
  if (!run.model_version.empty()) absl::StrAppend(&json, ", \"model_version\": \"", run.model_version, "\"");
  return json + "}";
}

std::string CsvHeader() {
  return "model,protocol,concurrency,request_rate,batch,multicrop,seconds,requests,errors,requests_per_s,items_per_s,"
         "p50_ms,p90_ms,p95_ms,p99_ms,max_ms,server_requests,server_batch_size,server_queue_us,"
         "server_compute_us,client_cpu_cores,client_send_us,windows,stable,errors_by_code,percentile,percentile_ms,"
         "model_version";
}

std::string FormatCsv(const RunDescription& run, const StepReport& step) {
  const std::string percentile =
      run.percentile > 0
          ? absl::StrFormat("%g,%.3f", run.percentile, StabilizingLatencyMs(step, run.percentile))
          : ",";
  return absl::StrFormat("%s,%s,%d,%.2f,%d,%d,%.3f,%d,%d,%.2f,%.2f,%.3f,%.3f,%.3f,%.3f,%.3f,%.0f,%.2f,%.1f,%.1f,%.2f,%.1f,%d,%s,%s",
                         run.model, run.protocol, step.load.rate > 0 ? 0 : step.load.concurrency, step.load.rate,
                         run.batch, run.multicrop, step.seconds, step.result.succeeded, step.errors, step.requests_per_s,
                         step.requests_per_s * static_cast<double>(run.batch), step.latency.p50_ms,
                         step.latency.p90_ms, step.latency.p95_ms, step.latency.p99_ms, step.latency.max_ms,
                         step.server.requests, step.server.batch_size, step.server.queue_us,
                         step.server.compute_us, step.client_cpu_cores, step.client_send_us, step.windows,
                         step.stable ? "true" : "false", ErrorsText(step, " ")) +
         absl::StrCat(",", percentile, ",", run.model_version);
}

}  // namespace convoy
