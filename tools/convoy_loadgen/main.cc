// convoy-loadgen: drives a KServe v2 server at a fixed concurrency and
// reports what the client saw beside what the server counted.
//
//   convoy-loadgen --server 127.0.0.1:8001 --model resnet50 --concurrency 16
//                  [--request-rate R [--arrivals constant|poisson]]
//                  [--batch 1] [--multicrop N] [--output NAME] [--duration 10]
//                  [--warmup 2] [--json]
//
// Requests carry seeded random tensors shaped from ModelMetadata. The
// server's side comes from ModelStatistics before and after the measured
// part: the batch size its batcher formed, queue and compute time per
// request. The client's own CPU use is reported, so a saturated client is
// visible. It works against any KServe v2 server with Triton's statistics
// extension (Convoy, Triton).
#include <sys/resource.h>

#include <cstdio>
#include <memory>
#include <string>
#include <thread>

#include "absl/flags/flag.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "absl/time/clock.h"
#include "client/inference_client.h"
#include "tools/common/dash_flags.h"
#include "tools/common/latency_stats.h"
#include "tools/convoy_loadgen/closed_loop.h"
#include "tools/convoy_loadgen/open_loop.h"
#include "tools/convoy_loadgen/synthetic_request.h"

ABSL_FLAG(std::string, server, "127.0.0.1:8001", "host:port of the server.");
ABSL_FLAG(std::string, model, "", "Model to load (required).");
ABSL_FLAG(int, concurrency, 1, "Requests kept in flight.");
ABSL_FLAG(int64_t, batch, 1, "Batch items per request.");
ABSL_FLAG(double, request_rate, 0,
          "Open loop: send this many requests per second whatever the server's pace "
          "(0 = closed loop at --concurrency).");
ABSL_FLAG(std::string, arrivals, "constant", "Open loop: constant or poisson gaps between requests.");
ABSL_FLAG(int64_t, multicrop, 0, "Request parameter 'multicrop' (1, 5 or 10); 0 = not sent.");
ABSL_FLAG(std::string, output, "", "The one output to request; empty = all of the model's.");
ABSL_FLAG(double, duration, 10, "Seconds measured, after the warm-up.");
ABSL_FLAG(double, warmup, 2, "Seconds of load before measuring.");
ABSL_FLAG(double, timeout, 30, "Seconds before a request is given up.");
ABSL_FLAG(uint32_t, seed, 1, "Seed of the random input data.");
ABSL_FLAG(bool, json, false, "Print one JSON object instead of the table.");

namespace convoy {
namespace {

double CpuSeconds() {
  rusage usage{};
  getrusage(RUSAGE_SELF, &usage);
  return usage.ru_utime.tv_sec + usage.ru_stime.tv_sec +
         1e-6 * (usage.ru_utime.tv_usec + usage.ru_stime.tv_usec);
}

struct ServerView {
  double batch_size = 0;   // Items per execution.
  double queue_us = 0;     // Per request.
  double compute_us = 0;   // compute_infer per request (its batch's run).
};

absl::StatusOr<inference::ModelStatistics> Statistics(client::InferenceClient& client,
                                                      const std::string& model) {
  absl::StatusOr<inference::ModelStatisticsResponse> response = client.ModelStatistics(model);
  if (!response.ok()) return response.status();
  if (response->model_stats_size() < 1) {
    return absl::NotFoundError(absl::StrCat("no statistics for model '", model, "'"));
  }
  return response->model_stats(response->model_stats_size() - 1);
}

ServerView Delta(const inference::ModelStatistics& before, const inference::ModelStatistics& after) {
  auto per = [](uint64_t ns_after, uint64_t ns_before, uint64_t n_after, uint64_t n_before) {
    const uint64_t n = n_after - n_before;
    return n == 0 ? 0.0 : 1e-3 * static_cast<double>(ns_after - ns_before) / static_cast<double>(n);
  };
  ServerView view;
  const uint64_t executions = after.execution_count() - before.execution_count();
  if (executions > 0) {
    view.batch_size = static_cast<double>(after.inference_count() - before.inference_count()) /
                      static_cast<double>(executions);
  }
  const auto& a = after.inference_stats();
  const auto& b = before.inference_stats();
  view.queue_us = per(a.queue().ns(), b.queue().ns(), a.queue().count(), b.queue().count());
  view.compute_us = per(a.compute_infer().ns(), b.compute_infer().ns(), a.compute_infer().count(),
                        b.compute_infer().count());
  return view;
}

int Run() {
  const std::string model = absl::GetFlag(FLAGS_model);
  if (model.empty()) {
    std::fprintf(stderr, "convoy-loadgen: --model is required\n");
    return 2;
  }
  if (absl::GetFlag(FLAGS_concurrency) < 1 || absl::GetFlag(FLAGS_batch) < 1 ||
      absl::GetFlag(FLAGS_duration) <= 0 || absl::GetFlag(FLAGS_warmup) < 0 ||
      absl::GetFlag(FLAGS_request_rate) < 0) {
    std::fprintf(stderr, "convoy-loadgen: --concurrency and --batch must be >= 1, "
                         "--duration > 0, --warmup and --request-rate >= 0\n");
    return 2;
  }
  if (absl::GetFlag(FLAGS_arrivals) != "constant" && absl::GetFlag(FLAGS_arrivals) != "poisson") {
    std::fprintf(stderr, "convoy-loadgen: --arrivals must be constant or poisson, not '%s'\n",
                 absl::GetFlag(FLAGS_arrivals).c_str());
    return 2;
  }
  client::ClientOptions options;
  options.target = absl::GetFlag(FLAGS_server);
  absl::StatusOr<std::unique_ptr<client::InferenceClient>> client =
      client::InferenceClient::Create(options);
  if (!client.ok()) {
    std::fprintf(stderr, "convoy-loadgen: %s\n", client.status().ToString().c_str());
    return 1;
  }
  absl::StatusOr<inference::ModelMetadataResponse> metadata = (*client)->ModelMetadata(model);
  if (!metadata.ok()) {
    std::fprintf(stderr, "convoy-loadgen: %s: ModelMetadata(%s): %s\n", options.target.c_str(),
                 model.c_str(), metadata.status().ToString().c_str());
    return 1;
  }
  absl::StatusOr<inference::ModelInferRequest> request =
      SyntheticRequest(*metadata, absl::GetFlag(FLAGS_batch), absl::GetFlag(FLAGS_seed));
  if (!request.ok()) {
    std::fprintf(stderr, "convoy-loadgen: %s\n", request.status().ToString().c_str());
    return 1;
  }
  if (absl::GetFlag(FLAGS_multicrop) != 0) {
    (*request->mutable_parameters())["multicrop"].set_int64_param(absl::GetFlag(FLAGS_multicrop));
  }
  if (!absl::GetFlag(FLAGS_output).empty()) request->add_outputs()->set_name(absl::GetFlag(FLAGS_output));

  ClosedLoopOptions loop;
  loop.concurrency = absl::GetFlag(FLAGS_concurrency);
  loop.warmup = absl::Seconds(absl::GetFlag(FLAGS_warmup));
  loop.duration = absl::Seconds(absl::GetFlag(FLAGS_duration));
  loop.request_timeout = absl::Seconds(absl::GetFlag(FLAGS_timeout));
  const double rate = absl::GetFlag(FLAGS_request_rate);
  OpenLoopOptions open;
  open.rate = rate;
  open.poisson = absl::GetFlag(FLAGS_arrivals) == "poisson";
  open.seed = absl::GetFlag(FLAGS_seed);
  open.warmup = loop.warmup;
  open.duration = loop.duration;
  open.request_timeout = loop.request_timeout;
  auto shared = std::make_shared<const inference::ModelInferRequest>(*std::move(request));

  // Statistics are read at the edges of the measured part, from a thread
  // that sleeps through the warm-up; the loop itself runs meanwhile.
  absl::StatusOr<inference::ModelStatistics> before;
  const double cpu_start = CpuSeconds();
  LoadResult result;
  {
    std::thread sampler([&] {
      absl::SleepFor(loop.warmup);
      before = Statistics(**client, model);
    });
    result = rate > 0 ? RunOpenLoop(**client, shared, open) : RunClosedLoop(**client, shared, loop);
    sampler.join();
  }
  const double cpu = CpuSeconds() - cpu_start;
  absl::StatusOr<inference::ModelStatistics> after = Statistics(**client, model);
  ServerView server;
  if (before.ok() && after.ok()) server = Delta(*before, *after);

  const double seconds = absl::ToDoubleSeconds(result.measured);
  const LatencyStats latency = ComputeLatencyStats(result.latencies_ms);
  const double requests_per_s = seconds > 0 ? result.succeeded / seconds : 0;
  const double items_per_s = requests_per_s * static_cast<double>(absl::GetFlag(FLAGS_batch));
  int64_t errors = 0;
  for (const auto& [code, count] : result.errors) errors += count;
  const double client_cpu = cpu / absl::ToDoubleSeconds(loop.warmup + result.measured);

  if (absl::GetFlag(FLAGS_json)) {
    std::printf(
        "{\"model\": \"%s\", \"concurrency\": %d, \"request_rate\": %.2f, \"batch\": %lld, \"multicrop\": %lld, "
        "\"seconds\": %.3f, "
        "\"requests\": %lld, \"errors\": %lld, \"requests_per_s\": %.2f, \"items_per_s\": %.2f, "
        "\"p50_ms\": %.3f, \"p90_ms\": %.3f, \"p99_ms\": %.3f, \"max_ms\": %.3f, "
        "\"server_batch_size\": %.2f, \"server_queue_us\": %.1f, \"server_compute_us\": %.1f, "
        "\"client_cpu_cores\": %.2f}\n",
        model.c_str(), loop.concurrency, rate, static_cast<long long>(absl::GetFlag(FLAGS_batch)),
        static_cast<long long>(absl::GetFlag(FLAGS_multicrop)), seconds, static_cast<long long>(result.succeeded), static_cast<long long>(errors),
        requests_per_s, items_per_s, latency.p50_ms, latency.p90_ms, latency.p99_ms,
        latency.max_ms, server.batch_size, server.queue_us, server.compute_us, client_cpu);
  } else {
    const int64_t crops = absl::GetFlag(FLAGS_multicrop);
    const std::string crops_text = crops > 1 ? absl::StrCat(" x ", crops, " crops") : "";
    const std::string load = rate > 0 ? absl::StrFormat("%.1f requests/s (%s arrivals)", rate,
                                                        absl::GetFlag(FLAGS_arrivals))
                                      : absl::StrCat("concurrency ", loop.concurrency);
    std::printf("%s at %s, batch %lld%s, %.1f s measured\n", model.c_str(), load.c_str(),
                static_cast<long long>(absl::GetFlag(FLAGS_batch)), crops_text.c_str(), seconds);
    std::printf("  throughput  %.1f requests/s, %.1f items/s\n", requests_per_s, items_per_s);
    std::printf("  latency     p50 %.3f ms  p90 %.3f ms  p99 %.3f ms  max %.3f ms\n",
                latency.p50_ms, latency.p90_ms, latency.p99_ms, latency.max_ms);
    std::printf("  server      batch %.2f items/execution, queue %.0f us, compute %.0f us\n",
                server.batch_size, server.queue_us, server.compute_us);
    std::printf("  client      %.2f cores busy\n", client_cpu);
    for (const auto& [code, count] : result.errors) {
      std::printf("  errors      %s: %lld\n", absl::StatusCodeToString(code).c_str(),
                  static_cast<long long>(count));
    }
  }
  if (!result.first_error.empty()) {
    std::fprintf(stderr, "convoy-loadgen: first error: %s\n", result.first_error.c_str());
  }
  return errors == 0 && result.succeeded > 0 ? 0 : 1;
}

}  // namespace
}  // namespace convoy

int main(int argc, char** argv) {
  std::vector<char*> rest = convoy::ParseDashFlags(
      argc, argv, "convoy_loadgen/main.cc",
      "Drives a KServe v2 server at a fixed concurrency.\n"
      "  convoy-loadgen --server HOST:PORT --model NAME [--concurrency N] [--duration S]");
  if (rest.size() > 1) {
    std::fprintf(stderr, "convoy-loadgen: unexpected argument '%s'\n", rest[1]);
    return 2;
  }
  return convoy::Run();
}
