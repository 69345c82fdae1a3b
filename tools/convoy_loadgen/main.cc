// convoy-loadgen: drives KServe v2 servers and reports what the client saw
// beside what the servers counted, in the spirit of perf_analyzer.
//
//   convoy-loadgen --server 127.0.0.1:8001[,HOST:PORT...] --model resnet50
//                  [--protocol grpc [--streaming] | --protocol http [--http-data binary|json]]
//                  [--concurrency 16 | --concurrency-range 1:32:4
//                   | --request-rate 500 | --request-rate-range 100:1000:100
//                     [--arrivals constant|poisson]]
//                  [--duration 10 | --count N] [--warmup 2]
//                  [--batch 1 | --image FILE... | --dataset fashion-mnist-test]
//                  [--input-data zero|random|FILE.json|DIR] [--shape NAME:D1,D2,...]... [--model-version V]
//                  [--multicrop N] [--output NAME]
//                  [--stability-percentage P [--max-windows 10]] [--percentile P] [--latency-threshold MS]
//                  [--max-errors N] [--p99-limit MS] [--json] [--csv FILE]
//
// Requests carry seeded random tensors shaped from ModelMetadata, or the
// given image files as BYTES, or the images of a dataset, one PNG per
// request, in turn; or, as perf_analyzer's --input-data and --shape, zeros
// or the entries of a JSON file or a directory (data_requests.h). Each step
// (one load of a sweep) is measured
// after its warm-up; the servers' side comes from ModelStatistics before
// and after the measured part (summed over every --server): the requests
// they counted, the batch size their batchers formed, queue and compute
// time per request. The client's own CPU use is reported, so a saturated
// client is visible. Several --server targets share the load round-robin
// (replicas behind no balancer). It works against any KServe v2 server with
// Triton's statistics extension (Convoy, Triton), over gRPC or over HTTP
// (REST, where the statistics come from GET .../stats too); the loops are
// the same over either. With --streaming, inferences go on one gRPC
// ModelStreamInfer stream per server instead of unary calls, as
// perf_analyzer --streaming sends them. Exit status: 0 if every
// request succeeded, 1 otherwise (the first error is printed as it
// happened), 2 for a bad command line.
#include <algorithm>
#include <cstdio>
#include <fstream>
#include <memory>
#include <sstream>
#include <string>
#include <vector>

#include "absl/flags/flag.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_split.h"
#include "client/infer_tensors.h"
#include "client/kserve_client.h"
#include "common/dash_flags.h"
#include "tools/common/client_protocol.h"
#include "tools/common/client_tls_flags.h"
#include "tools/convoy_classify/idx_dataset.h"
#include "tools/convoy_classify/png_encoder.h"
#include "tools/convoy_loadgen/data_requests.h"
#include "tools/convoy_loadgen/load_plan.h"
#include "tools/convoy_loadgen/load_step.h"
#include "tools/convoy_loadgen/model_inputs.h"
#include "tools/convoy_loadgen/stable_step.h"
#include "tools/convoy_loadgen/step_format.h"

namespace convoy {
namespace {
// --shape is given once per input, as perf_analyzer's is, and a second
// --input-data must not replace the first unseen; absl keeps only a flag's
// last value, so each one is collected as it is set.
std::vector<std::string>& ShapeFlagValues() {
  static auto* values = new std::vector<std::string>();
  return *values;
}
std::vector<std::string>& InputDataFlagValues() {
  static auto* values = new std::vector<std::string>();
  return *values;
}
}  // namespace
}  // namespace convoy

ABSL_FLAG(std::string, server, "",
          "host:port of the server; several, comma-separated, share the load. Empty = 127.0.0.1:8001 with "
          "--protocol grpc, 127.0.0.1:8000 with --protocol http.");
ABSL_FLAG(std::string, protocol, "grpc", "KServe v2 over grpc, or over http (REST, HTTP/1.1 keep-alive).");
ABSL_FLAG(std::string, http_data, "binary",
          "With --protocol http: tensors as binary (Triton's binary tensor extension, as perf_analyzer) or json "
          "(JSON numbers; BYTES inputs such as images still go binary).");
ABSL_FLAG(bool, streaming, false,
          "With --protocol grpc: send inferences on one ModelStreamInfer stream per server (bidirectional "
          "streaming, as perf_analyzer --streaming) instead of unary ModelInfer calls.");
ABSL_FLAG(std::string, model, "", "Model to load (required).");
ABSL_FLAG(std::string, model_version, "",
          "Version of the model the requests name and whose metadata and statistics are read (perf_analyzer's -x); "
          "empty = the server's latest.");
ABSL_FLAG(int, concurrency, 1, "Closed loop: requests kept in flight.");
ABSL_FLAG(std::string, concurrency_range, "", "Closed loop sweep START:END[:STEP].");
ABSL_FLAG(double, request_rate, 0,
          "Open loop: send this many requests per second whatever the server's pace "
          "(0 = closed loop at --concurrency).");
ABSL_FLAG(std::string, request_rate_range, "", "Open loop sweep START:END[:STEP] requests/s.");
ABSL_FLAG(std::string, arrivals, "constant", "Open loop: constant or poisson gaps between requests.");
ABSL_FLAG(int64_t, batch, 1, "Batch items per request (tensors: synthetic, or that many --input-data entries).");
ABSL_FLAG(std::string, input_data, "",
          "The tensors' data, as perf_analyzer's --input-data: random (the default, seeded), zero, a JSON file in "
          "perf_analyzer's layout ({\"data\": [{\"INPUT\": [...]}, ...]}, one batch item per entry, in turn) or a "
          "directory with one raw file per input, named after it.")
    .OnUpdate([] { convoy::InputDataFlagValues().push_back(absl::GetFlag(FLAGS_input_data)); });
ABSL_FLAG(std::string, shape, "",
          "NAME:D1,D2,...: the sizes of input NAME's variable dimensions, for one batch item (without the batch "
          "dimension), as perf_analyzer's --shape; once per input.")
    .OnUpdate([] { convoy::ShapeFlagValues().push_back(absl::GetFlag(FLAGS_shape)); });
ABSL_FLAG(std::vector<std::string>, image, {}, "Image files, comma-separated, sent as one BYTES batch instead of tensors.");
ABSL_FLAG(std::string, dataset, "",
          "Send the images of a labelled IDX dataset (fashion-mnist-test, or a path) as PNG, one per "
          "request, in turn, instead of tensors.");
ABSL_FLAG(int64_t, dataset_limit, 1000, "With --dataset: use only its first N images.");
ABSL_FLAG(int64_t, multicrop, 0, "Request parameter 'multicrop' (1, 5 or 10); 0 = not sent.");
ABSL_FLAG(std::string, output, "", "The one output to request; empty = all of the model's.");
ABSL_FLAG(double, duration, 10, "Seconds measured per step, after the warm-up.");
ABSL_FLAG(int64_t, count, 0, "Requests measured per step instead of --duration (0 = use --duration).");
ABSL_FLAG(double, warmup, 2, "Seconds of load before measuring, per step.");
ABSL_FLAG(double, timeout, 30, "Seconds before a request is given up.");
ABSL_FLAG(uint32_t, seed, 1, "Seed of the random input data and of Poisson arrivals.");
ABSL_FLAG(double, stability_percentage, 0,
          "Measure each step in windows until the last 3 agree within this many % (throughput and mean "
          "latency), as perf_analyzer does; 0 = one window.");
ABSL_FLAG(int, max_windows, 10, "With --stability-percentage: windows per step at most (at least 3).");
ABSL_FLAG(int64_t, max_errors, -1, "Stop the sweep after a step with more errors than this (-1 = never).");
ABSL_FLAG(double, p99_limit, 0, "Stop the sweep after a step whose p99 latency exceeds this many ms (0 = never).");
ABSL_FLAG(double, percentile, 0,
          "As perf_analyzer's --percentile: judge stability and --latency-threshold by this percentile of latency "
          "instead of the mean, and report it (0 or -1 = the mean).");
ABSL_FLAG(double, latency_threshold, 0,
          "As perf_analyzer's --latency-threshold: stop the sweep after a step whose latency (mean, or --percentile) "
          "reaches this many ms (0 = never).");
ABSL_FLAG(bool, json, false, "Print one JSON object per step instead of the table.");
ABSL_FLAG(std::string, csv, "", "Also write one CSV row per step to this file.");

namespace convoy {
namespace {

constexpr int kExitFailed = 1;
constexpr int kExitUsage = 2;

int Usage(const std::string& message) {
  std::fprintf(stderr, "convoy-loadgen: %s\n", message.c_str());
  return kExitUsage;
}

absl::StatusOr<std::vector<StepLoad>> Plan() {
  const bool concurrency_range = !absl::GetFlag(FLAGS_concurrency_range).empty();
  const bool rate_range = !absl::GetFlag(FLAGS_request_rate_range).empty();
  if (concurrency_range + rate_range + (absl::GetFlag(FLAGS_request_rate) > 0) > 1) {
    return absl::InvalidArgumentError(
        "give at most one of --concurrency-range, --request-rate and --request-rate-range");
  }
  if (concurrency_range) return ParseConcurrencyRange(absl::GetFlag(FLAGS_concurrency_range));
  if (rate_range) return ParseRequestRateRange(absl::GetFlag(FLAGS_request_rate_range));
  return std::vector<StepLoad>{{absl::GetFlag(FLAGS_concurrency), absl::GetFlag(FLAGS_request_rate)}};
}

absl::StatusOr<inference::ModelInferRequest> ImageRequest(const inference::ModelMetadataResponse& metadata,
                                                          const std::vector<std::string>& paths) {
  std::vector<std::string> files;
  for (const std::string& path : paths) {
    std::ifstream in(path, std::ios::binary);
    if (!in) return absl::NotFoundError(absl::StrCat("--image ", path, ": cannot open"));
    std::stringstream bytes;
    bytes << in.rdbuf();
    files.push_back(bytes.str());
  }
  inference::ModelInferRequest request;
  request.set_model_name(metadata.name());
  client::AddBytesInput(&request, metadata.inputs(0).name(), files);
  return request;
}

// One request per image of the dataset, each carrying it as a PNG.
absl::StatusOr<std::vector<inference::ModelInferRequest>> DatasetRequests(
    const inference::ModelMetadataResponse& metadata, const std::string& name, int64_t limit) {
  absl::StatusOr<std::pair<std::string, std::string>> paths = ResolveIdxDataset(name);
  if (!paths.ok()) return paths.status();
  absl::StatusOr<IdxDataset> dataset = ReadIdxDataset(paths->first, paths->second);
  if (!dataset.ok()) return dataset.status();
  std::vector<inference::ModelInferRequest> requests;
  for (int64_t i = 0; i < std::min(limit, dataset->count); ++i) {
    absl::StatusOr<std::string> png = EncodeGrayPng(dataset->image(i), dataset->rows, dataset->cols);
    if (!png.ok()) return png.status();
    inference::ModelInferRequest& request = requests.emplace_back();
    request.set_model_name(metadata.name());
    client::AddBytesInput(&request, metadata.inputs(0).name(), {*png});
  }
  return requests;
}

// The requests the load sends in turn, as the flags say.
absl::StatusOr<std::vector<inference::ModelInferRequest>> Requests(const inference::ModelMetadataResponse& metadata,
                                                                   bool batched) {
  const std::vector<std::string> images = absl::GetFlag(FLAGS_image);
  const std::string dataset = absl::GetFlag(FLAGS_dataset);
  if (!images.empty() && !dataset.empty()) return absl::InvalidArgumentError("give --image or --dataset, not both");
  if (InputDataFlagValues().size() > 1) {
    return absl::InvalidArgumentError("--input-data given more than once: give one file or directory (merge "
                                      "perf_analyzer's several JSON files into one)");
  }
  const bool tensor_flags = !absl::GetFlag(FLAGS_input_data).empty() || !ShapeFlagValues().empty();
  if ((!images.empty() || !dataset.empty()) && tensor_flags) {
    return absl::InvalidArgumentError("--input-data and --shape give tensors: not with --image or --dataset");
  }
  absl::StatusOr<std::vector<inference::ModelInferRequest>> requests;
  if (!dataset.empty()) {
    if (absl::GetFlag(FLAGS_dataset_limit) < 1) return absl::InvalidArgumentError("--dataset-limit must be >= 1");
    requests = DatasetRequests(metadata, dataset, absl::GetFlag(FLAGS_dataset_limit));
  } else if (images.empty()) {
    InputDataOptions options;
    options.input_data = absl::GetFlag(FLAGS_input_data);
    options.shapes = ShapeFlagValues();
    options.batch = absl::GetFlag(FLAGS_batch);
    options.seed = absl::GetFlag(FLAGS_seed);
    requests = InputDataRequests(metadata, batched, options);
  } else {
    absl::StatusOr<inference::ModelInferRequest> one = ImageRequest(metadata, images);
    if (!one.ok()) return one.status();
    requests.emplace().push_back(*std::move(one));
  }
  if (!requests.ok()) return requests.status();
  for (inference::ModelInferRequest& request : *requests) {
    request.set_model_version(absl::GetFlag(FLAGS_model_version));
    if (absl::GetFlag(FLAGS_multicrop) != 0) {
      (*request.mutable_parameters())["multicrop"].set_int64_param(absl::GetFlag(FLAGS_multicrop));
    }
    if (!absl::GetFlag(FLAGS_output).empty()) request.add_outputs()->set_name(absl::GetFlag(FLAGS_output));
  }
  return requests;
}

int Run() {
  const std::string model = absl::GetFlag(FLAGS_model);
  if (model.empty()) return Usage("--model is required");
  if (absl::GetFlag(FLAGS_concurrency) < 1 || absl::GetFlag(FLAGS_batch) < 1 ||
      absl::GetFlag(FLAGS_duration) <= 0 || absl::GetFlag(FLAGS_warmup) < 0 ||
      absl::GetFlag(FLAGS_request_rate) < 0 || absl::GetFlag(FLAGS_count) < 0 ||
      absl::GetFlag(FLAGS_stability_percentage) < 0 || absl::GetFlag(FLAGS_max_windows) < 3) {
    return Usage("--concurrency and --batch must be >= 1, --duration > 0, --warmup, --request-rate, "
                 "--count and --stability-percentage >= 0, --max-windows >= 3");
  }
  const double percentile = std::max(0.0, absl::GetFlag(FLAGS_percentile));  // -1, perf_analyzer's unset, is 0.
  if ((absl::GetFlag(FLAGS_percentile) != -1 && absl::GetFlag(FLAGS_percentile) < 0) || percentile >= 100 ||
      absl::GetFlag(FLAGS_latency_threshold) < 0) {
    return Usage("--percentile must be in (0, 100) (0 or -1 = the mean), --latency-threshold >= 0");
  }
  const std::string version = absl::GetFlag(FLAGS_model_version);
  if (!std::all_of(version.begin(), version.end(), [](char c) { return c >= '0' && c <= '9'; })) {
    return Usage(absl::StrCat("--model-version '", version, "': a version is a number"));
  }
  if (absl::GetFlag(FLAGS_arrivals) != "constant" && absl::GetFlag(FLAGS_arrivals) != "poisson") {
    return Usage(absl::StrCat("--arrivals must be constant or poisson, not '", absl::GetFlag(FLAGS_arrivals), "'"));
  }
  absl::StatusOr<std::vector<StepLoad>> plan = Plan();
  if (!plan.ok()) return Usage(std::string(plan.status().message()));
  const ClientProtocol protocol{absl::GetFlag(FLAGS_protocol), absl::GetFlag(FLAGS_http_data),
                                absl::GetFlag(FLAGS_streaming)};
  if (absl::Status checked = CheckClientProtocol(protocol); !checked.ok()) return Usage(std::string(checked.message()));
  int max_concurrency = 1;
  for (const StepLoad& load : *plan) max_concurrency = std::max(max_concurrency, load.concurrency);

  std::vector<std::unique_ptr<client::KServeClient>> owned;
  std::vector<client::KServeClient*> clients;
  const std::string servers = absl::GetFlag(FLAGS_server).empty() ? DefaultServer(protocol) : absl::GetFlag(FLAGS_server);
  const std::vector<std::string> targets = absl::StrSplit(servers, ',', absl::SkipEmpty());
  for (const std::string& target : targets) {
    client::ClientOptions options;
    options.target = target;
    options.timeout = absl::Seconds(absl::GetFlag(FLAGS_timeout));
    if (absl::Status tls = ApplyClientTlsFlags(&options); !tls.ok()) return Usage(std::string(tls.message()));
    absl::StatusOr<std::unique_ptr<client::KServeClient>> client =
        CreateKServeClient(protocol, options, max_concurrency);
    if (!client.ok()) return Usage(absl::StrCat(target, ": ", client.status().ToString()));
    clients.push_back(client->get());
    owned.push_back(*std::move(client));
  }
  if (clients.empty()) return Usage("--server names no target");
  absl::StatusOr<inference::ModelMetadataResponse> metadata = clients[0]->ModelMetadata(model, version);
  if (!metadata.ok()) {
    std::fprintf(stderr, "convoy-loadgen: %s: ModelMetadata(%s): %s\n", servers.c_str(),
                 model.c_str(), metadata.status().ToString().c_str());
    return kExitFailed;
  }
  const bool batched = HasBatchDimension(*metadata, clients[0]->ModelConfig(model, version));
  absl::StatusOr<std::vector<inference::ModelInferRequest>> requests = Requests(*metadata, batched);
  if (!requests.ok()) {
    std::fprintf(stderr, "convoy-loadgen: %s\n", requests.status().ToString().c_str());
    return kExitUsage;
  }
  std::vector<RequestCycle::Request> shared;
  for (inference::ModelInferRequest& request : *requests) {
    shared.push_back(std::make_shared<const inference::ModelInferRequest>(std::move(request)));
  }
  const RequestCycle cycle(std::move(shared));
  const std::vector<std::string> images = absl::GetFlag(FLAGS_image);
  const int64_t batch = !absl::GetFlag(FLAGS_dataset).empty() ? 1
                        : images.empty()                    ? absl::GetFlag(FLAGS_batch)
                                                            : static_cast<int64_t>(images.size());

  std::ofstream csv;
  if (!absl::GetFlag(FLAGS_csv).empty()) {
    csv.open(absl::GetFlag(FLAGS_csv));
    if (!csv) return Usage(absl::StrCat("--csv ", absl::GetFlag(FLAGS_csv), ": cannot write"));
    csv << CsvHeader() << "\n";
  }
  StepOptions options;
  options.warmup = absl::Seconds(absl::GetFlag(FLAGS_warmup));
  options.duration = absl::Seconds(absl::GetFlag(FLAGS_duration));
  options.count = absl::GetFlag(FLAGS_count);
  options.request_timeout = absl::Seconds(absl::GetFlag(FLAGS_timeout));
  options.poisson = absl::GetFlag(FLAGS_arrivals) == "poisson";
  options.seed = absl::GetFlag(FLAGS_seed);
  options.model_version = version;
  const RunDescription run{model, batch, absl::GetFlag(FLAGS_multicrop), absl::GetFlag(FLAGS_arrivals),
                           absl::GetFlag(FLAGS_stability_percentage), ProtocolLabel(protocol), percentile, version};
  const StabilityOptions stability{absl::GetFlag(FLAGS_stability_percentage), absl::GetFlag(FLAGS_max_windows),
                                   percentile};
  bool failed = false;
  for (const StepLoad& load : *plan) {
    const StepReport step = RunStableStep(clients, cycle, model, load, options, stability);
    std::printf("%s\n", absl::GetFlag(FLAGS_json) ? FormatJson(run, step).c_str() : FormatTable(run, step).c_str());
    std::fflush(stdout);
    if (csv.is_open()) csv << FormatCsv(run, step) << "\n" << std::flush;
    if (!step.result.first_error.empty()) {
      std::fprintf(stderr, "convoy-loadgen: first error: %s\n", step.result.first_error.c_str());
    }
    if (!step.stable) {
      std::fprintf(stderr, "convoy-loadgen: no stable measurement in %d windows (--stability-percentage %g)\n",
                   step.windows, stability.percentage);
    }
    failed = failed || step.errors > 0 || step.result.succeeded == 0 || !step.stable;
    if (absl::GetFlag(FLAGS_max_errors) >= 0 && step.errors > absl::GetFlag(FLAGS_max_errors)) {
      std::fprintf(stderr, "convoy-loadgen: stopping: %lld errors, more than --max-errors %lld\n",
                   static_cast<long long>(step.errors), static_cast<long long>(absl::GetFlag(FLAGS_max_errors)));
      break;
    }
    if (absl::GetFlag(FLAGS_p99_limit) > 0 && step.latency.p99_ms > absl::GetFlag(FLAGS_p99_limit)) {
      std::fprintf(stderr, "convoy-loadgen: stopping: p99 %.3f ms above --p99-limit %.3f ms\n",
                   step.latency.p99_ms, absl::GetFlag(FLAGS_p99_limit));
      break;
    }
    const double threshold = absl::GetFlag(FLAGS_latency_threshold);
    if (threshold > 0 && StabilizingLatencyMs(step, percentile) >= threshold) {
      std::fprintf(stderr, "convoy-loadgen: stopping: %s latency %.3f ms reaches --latency-threshold %.3f ms\n",
                   percentile > 0 ? absl::StrCat("p", percentile).c_str() : "mean",
                   StabilizingLatencyMs(step, percentile), threshold);
      break;
    }
  }
  return failed ? kExitFailed : 0;
}

}  // namespace
}  // namespace convoy

int main(int argc, char** argv) {
  // The callbacks ran once as they were registered, with the defaults.
  convoy::ShapeFlagValues().clear();
  convoy::InputDataFlagValues().clear();
  std::vector<char*> rest = convoy::ParseDashFlags(
      argc, argv, "convoy_loadgen/main.cc",
      "Drives KServe v2 servers with a closed or open loop, or a sweep of either.\n"
      "  convoy-loadgen --server HOST:PORT --model NAME [--protocol grpc|http] [--concurrency N | --request-rate R]\n"
      "                 [--duration S]");
  if (rest.size() > 1) {
    std::fprintf(stderr, "convoy-loadgen: unexpected argument '%s'\n", rest[1]);
    return 2;
  }
  return convoy::Run();
}
