// convoy-server: serves a model repository over KServe v2 gRPC.
//
//   convoy-server --model-repository DIR [--model-repository DIR2 ...] [--grpc-port 8001] [--address ADDR]
//                 [--model-control-mode none|explicit|poll] [--load-model NAME ...]
//                 [--repository-poll-secs S] [--engine-threads T] ...
//
// `convoy-server --help` lists every flag. SIGTERM and SIGINT shut it down
// gracefully: health goes NOT_SERVING, new requests are refused, accepted
// ones finish within --exit-timeout-secs, then it exits 0.
#include <pthread.h>

#include <csignal>
#include <cstdio>
#include <optional>
#include <string>
#include <thread>
#include <vector>

#include "absl/flags/flag.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "absl/strings/str_split.h"
#include "absl/synchronization/mutex.h"
#include "common/dash_flags.h"
#include "server/core/log.h"
#include "server/core/log_flags.h"
#include "server/kserve/admin_token.h"
#include "server/app/server.h"

ABSL_FLAG(std::string, model_repository, "",
          "Directory of models (required); repeat the flag to serve several (a model name must be unique "
          "across them).");
ABSL_FLAG(std::string, address, "0.0.0.0", "Address to listen on; 127.0.0.1 for local only.");
ABSL_FLAG(int, grpc_port, 8001, "gRPC port; 0 picks a free one (logged as event=listening).");
ABSL_FLAG(int, http_port, 8000, "HTTP/REST port; 0 picks a free one (logged as event=http_listening).");
ABSL_FLAG(bool, allow_http, true, "Serve KServe v2 REST over HTTP (with the --tls-* files, HTTPS).");
ABSL_FLAG(int, http_thread_count, 0, "Threads of the HTTP transport; 0 = the default (http_server.h).");
ABSL_FLAG(int, http_read_timeout_secs, 30,
          "HTTP: seconds a request's header, and then its body, may take to arrive; slower clients are disconnected.");
ABSL_FLAG(int, http_idle_timeout_secs, 60, "HTTP: seconds a keep-alive connection may wait for its next request.");
ABSL_FLAG(std::string, model_control_mode, "none",
          "none: load every model at startup; explicit: load --load-model ones, then only by "
          "RepositoryModelLoad/Unload; poll: load all and follow repository changes.");
ABSL_FLAG(std::vector<std::string>, load_model, {},
          "With --model-control-mode=explicit: models to load at startup ('*' = all); repeat the flag "
          "or separate names with commas.");
ABSL_FLAG(int, model_load_thread_count, 4, "Models loaded at the same time at startup and by a poll.");
ABSL_FLAG(int64_t, max_load_file_bytes, int64_t{1} << 30,
          "Bytes the 'file:' parameters of repository loads may hold on disk together, over every model "
          "loaded from files; 0 refuses such loads.");
ABSL_FLAG(int, repository_poll_secs, 15, "With --model-control-mode=poll: seconds between scans.");
ABSL_FLAG(int, engine_threads, 0, "oneDNN threads per model instance; 0 = one per core.");
ABSL_FLAG(double, team_choice_interval_secs, 60,
          "Seconds a small plan keeps the team size its timing chose before it is timed again, as the "
          "machine's load changes (each timing holds that plan's requests some 0.1 s); 0 = once.");
ABSL_FLAG(int64_t, plan_cache_mb, 4096,
          "Activation memory of the compiled plans (one per batch size) of each model version, "
          "in MiB; least recently used plans beyond it are dropped and rebuilt when needed.");
ABSL_FLAG(int64_t, default_max_queue_size, 1024,
          "Requests a model without dynamic_batching in its config may queue; more get UNAVAILABLE "
          "(0: unbounded). Models with dynamic_batching follow its queue policies, where "
          "max_queue_size 0 is unbounded, as in Triton.");
ABSL_FLAG(int64_t, default_max_batch_size, 4,
          "max_batch_size auto-complete gives a model whose graph batches and whose config.pbtxt (if any) "
          "leaves it out.");
ABSL_FLAG(bool, disable_auto_complete_config, false,
          "Every model needs a complete config.pbtxt (inputs, outputs, max_batch_size); by default a missing "
          "or partial one is completed from the ONNX model, as Triton's ONNX Runtime backend does.");
ABSL_FLAG(std::optional<bool>, strict_model_config, std::nullopt,
          "Triton's older spelling: true is --disable-auto-complete-config, false auto-completes "
          "(the default).");
ABSL_FLAG(int, max_receive_message_bytes, 64 << 20, "Largest request accepted, in bytes.");
ABSL_FLAG(int, exit_timeout_secs, 30, "On SIGTERM, how long accepted requests may take to finish.");
ABSL_FLAG(bool, strict_readiness, true,
          "Ready only while every model to serve is ready; false: ready while serving.");
ABSL_FLAG(std::string, log_level, "info",
          "debug, info, warning or error: that level and those above it are logged; then --log-verbose, "
          "--log-info, --log-warning and --log-error, when given, each switch their own severity on or off.");
ABSL_FLAG(std::optional<convoy::server::LogVerbosity>, log_verbose, std::nullopt,
          "As Triton's: >= 1 logs debug lines, 0 does not (true/false = 1/0), whatever --log-level says.");
ABSL_FLAG(std::optional<convoy::server::TritonBool>, log_info, std::nullopt,
          "As Triton's: true/false (on/off, 1/0) logs info lines or not, whatever --log-level says.");
ABSL_FLAG(std::optional<convoy::server::TritonBool>, log_warning, std::nullopt,
          "As Triton's: true/false logs warning lines or not, whatever --log-level says.");
ABSL_FLAG(std::optional<convoy::server::TritonBool>, log_error, std::nullopt,
          "As Triton's: true/false logs error lines or not, whatever --log-level says.");
ABSL_FLAG(std::string, log_file, "", "Append the log lines to this file instead of writing them to stderr.");
ABSL_FLAG(bool, access_log, false, "Log one line per inference request (event=request); failures are always logged.");
ABSL_FLAG(bool, allow_metrics, true, "Serve Prometheus metrics over HTTP at /metrics.");
ABSL_FLAG(bool, allow_triton_metrics, true,
          "With --allow-metrics: also export Triton's nv_inference_* and nv_cpu_* metrics (docs/METRICS.md), "
          "so Triton's dashboards work.");
ABSL_FLAG(int, metrics_port, 8002, "Port of the metrics endpoint; 0 picks a free one (logged as event=metrics_listening).");
ABSL_FLAG(std::string, metrics_address, "", "Address of the metrics endpoint; empty = --address.");
ABSL_FLAG(std::string, tls_cert, "", "PEM certificate chain: gRPC over TLS (with --tls-key).");
ABSL_FLAG(std::string, tls_key, "", "PEM private key of --tls-cert.");
ABSL_FLAG(std::string, tls_client_ca, "",
          "PEM CA certificates: mutual TLS, clients must present a certificate they signed.");
ABSL_FLAG(std::string, admin_token_file, "",
          "File holding a token that RepositoryModelLoad/Unload must carry as "
          "'authorization: Bearer <token>'; empty = no token needed.");
ABSL_FLAG(int64_t, max_inflight_bytes, 0,
          "Bytes all inference requests in flight may hold together (tensors, decoded images, crops, "
          "outputs); a request that would exceed it gets RESOURCE_EXHAUSTED before anything is "
          "allocated. 0 = a third of the cgroup memory limit, or of the machine's memory.");
ABSL_FLAG(int64_t, grpc_memory_bytes, 0,
          "Memory gRPC may use for connections and messages being received, before the byte budget "
          "can count them; under pressure new calls are refused. 0 = --max-inflight-bytes, at least 256 MiB.");
ABSL_FLAG(int, grpc_stream_max_inflight, 256,
          "Requests of one ModelStreamInfer stream read and not yet answered; beyond it the stream is not "
          "read until one is answered.");
ABSL_FLAG(int64_t, max_image_bytes, int64_t{16} << 20, "Largest encoded image (JPEG or PNG) accepted, in bytes.");
ABSL_FLAG(int64_t, max_image_pixels, int64_t{4096} * 4096, "Largest image accepted, in decoded pixels.");
ABSL_FLAG(int64_t, max_image_request_pixels, int64_t{1} << 27,
          "Decoded plus resized pixels one request's images may need together "
          "(config.pbtxt preprocessing.max_request_pixels overrides it per model).");
ABSL_FLAG(double, max_image_upscale, 256,
          "Largest factor by which resizing may multiply an image's pixel count "
          "(preprocessing.max_upscale overrides it per model).");
ABSL_FLAG(int64_t, max_request_crops, 320,
          "Images times crops one request may ask for (preprocessing.max_request_crops overrides it per model).");
ABSL_FLAG(int, image_threads, 0, "Threads that decode and crop images; 0 = one per core.");
ABSL_FLAG(int64_t, max_image_queue, 1024,
          "Requests whose images may wait for those threads; more get UNAVAILABLE.");
ABSL_FLAG(int, max_connection_age_secs, 0,
          "Close client connections after this many seconds (clients reconnect), so L4 balancers "
          "spread them again; 0 = never.");

namespace convoy::server {
namespace {

// The flags that may be given more than once, with every value, as main()
// read them from the command line: absl keeps only the last one.
struct RepeatedFlags {
  std::vector<std::string> model_repository;
  std::vector<std::string> load_model;
};
RepeatedFlags& CommandLineRepeats() {
  static auto* const flags = new RepeatedFlags();  // Never destroyed, as absl's flags.
  return *flags;
}

absl::StatusOr<ServerOptions> OptionsFromFlags() {
  ServerOptions options;
  RepeatedFlags repeated = CommandLineRepeats();
  // A --flagfile is not on the command line: absl's value then.
  if (repeated.model_repository.empty()) repeated.model_repository = {absl::GetFlag(FLAGS_model_repository)};
  for (const std::string& repository : repeated.model_repository) {
    if (repository.empty()) return absl::InvalidArgumentError("--model-repository is required");
  }
  options.models.repositories = std::move(repeated.model_repository);
  absl::StatusOr<ModelControlMode> mode = ParseModelControlMode(absl::GetFlag(FLAGS_model_control_mode));
  if (!mode.ok()) return mode.status();
  options.models.mode = *mode;
  if (repeated.load_model.empty()) repeated.load_model = {absl::StrJoin(absl::GetFlag(FLAGS_load_model), ",")};
  for (const std::string& names : repeated.load_model) {
    for (absl::string_view name : absl::StrSplit(names, ',', absl::SkipEmpty())) {
      options.models.startup_models.emplace_back(name);
    }
  }
  if (!options.models.startup_models.empty() && *mode != ModelControlMode::kExplicit) {
    return absl::InvalidArgumentError("--load-model needs --model-control-mode=explicit");
  }
  options.models.load_threads = absl::GetFlag(FLAGS_model_load_thread_count);
  if (options.models.load_threads < 1) return absl::InvalidArgumentError("--model-load-thread-count must be >= 1");
  options.models.max_private_bytes = absl::GetFlag(FLAGS_max_load_file_bytes);
  if (options.models.max_private_bytes < 0) return absl::InvalidArgumentError("--max-load-file-bytes must be >= 0");
  options.address = absl::GetFlag(FLAGS_address);
  options.grpc_port = absl::GetFlag(FLAGS_grpc_port);
  if (options.grpc_port < 0 || options.grpc_port > 65535) {
    return absl::InvalidArgumentError(absl::StrCat("--grpc-port ", options.grpc_port,
                                                   " is not a port number"));
  }
  options.allow_http = absl::GetFlag(FLAGS_allow_http);
  options.http_port = absl::GetFlag(FLAGS_http_port);
  if (options.http_port < 0 || options.http_port > 65535) {
    return absl::InvalidArgumentError(absl::StrCat("--http-port ", options.http_port, " is not a port number"));
  }
  options.http_threads = absl::GetFlag(FLAGS_http_thread_count);
  if (options.http_threads < 0) return absl::InvalidArgumentError("--http-thread-count must be >= 0");
  const int read_secs = absl::GetFlag(FLAGS_http_read_timeout_secs);
  const int idle_secs = absl::GetFlag(FLAGS_http_idle_timeout_secs);
  if (read_secs < 1 || idle_secs < 1) {
    return absl::InvalidArgumentError("--http-read-timeout-secs and --http-idle-timeout-secs must be >= 1");
  }
  options.http_read_timeout = absl::Seconds(read_secs);
  options.http_idle_timeout = absl::Seconds(idle_secs);
  const int poll_secs = absl::GetFlag(FLAGS_repository_poll_secs);
  if (poll_secs < 1) return absl::InvalidArgumentError("--repository-poll-secs must be >= 1");
  options.poll_interval = absl::Seconds(poll_secs);
  options.models.servable.engine_threads = absl::GetFlag(FLAGS_engine_threads);
  if (options.models.servable.engine_threads < 0) {
    return absl::InvalidArgumentError("--engine-threads must be >= 0");
  }
  options.models.servable.team_choice_interval_secs = absl::GetFlag(FLAGS_team_choice_interval_secs);
  if (!(options.models.servable.team_choice_interval_secs >= 0)) {
    return absl::InvalidArgumentError("--team-choice-interval-secs must be >= 0 (0: choose once)");
  }
  const int64_t plan_cache_mb = absl::GetFlag(FLAGS_plan_cache_mb);
  if (plan_cache_mb < 1) return absl::InvalidArgumentError("--plan-cache-mb must be >= 1");
  options.models.servable.plan_cache_bytes = plan_cache_mb << 20;
  options.models.servable.default_max_queue_size = absl::GetFlag(FLAGS_default_max_queue_size);
  if (options.models.servable.default_max_queue_size < 0) {
    return absl::InvalidArgumentError("--default-max-queue-size must be >= 0 (0: unbounded)");
  }
  options.models.servable.default_max_batch_size = absl::GetFlag(FLAGS_default_max_batch_size);
  if (options.models.servable.default_max_batch_size < 0) {
    return absl::InvalidArgumentError("--default-max-batch-size must be >= 0");
  }
  const bool no_auto_complete = absl::GetFlag(FLAGS_disable_auto_complete_config);
  const std::optional<bool> strict_model_config = absl::GetFlag(FLAGS_strict_model_config);
  if (no_auto_complete && strict_model_config == false) {
    // As Triton: the newer flag wins, with a word.
    Log(LogLevel::kWarning, "flag_overridden",
        {{"flag", "--strict-model-config=false"}, {"by", "--disable-auto-complete-config"}});
  }
  options.models.servable.auto_complete_config = !no_auto_complete && !strict_model_config.value_or(false);
  options.strict_readiness = absl::GetFlag(FLAGS_strict_readiness);
  options.allow_metrics = absl::GetFlag(FLAGS_allow_metrics);
  options.triton_metrics = absl::GetFlag(FLAGS_allow_triton_metrics);
  options.access_log = absl::GetFlag(FLAGS_access_log);
  options.metrics_port = absl::GetFlag(FLAGS_metrics_port);
  options.metrics_address = absl::GetFlag(FLAGS_metrics_address);
  if (options.metrics_port < 0 || options.metrics_port > 65535) {
    return absl::InvalidArgumentError(absl::StrCat("--metrics-port ", options.metrics_port,
                                                   " is not a port (0 to 65535)"));
  }
  options.max_receive_message_bytes = absl::GetFlag(FLAGS_max_receive_message_bytes);
  if (options.max_receive_message_bytes < 1024) {
    return absl::InvalidArgumentError("--max-receive-message-bytes must be >= 1024");
  }
  options.tls = {absl::GetFlag(FLAGS_tls_cert), absl::GetFlag(FLAGS_tls_key), absl::GetFlag(FLAGS_tls_client_ca)};
  const std::string token_file = absl::GetFlag(FLAGS_admin_token_file);
  if (!token_file.empty()) {
    absl::StatusOr<std::string> token = ReadAdminToken(token_file);
    if (!token.ok()) return token.status();
    options.admin_token = *std::move(token);
  }
  options.max_inflight_bytes = absl::GetFlag(FLAGS_max_inflight_bytes);
  if (options.max_inflight_bytes < 0) {
    return absl::InvalidArgumentError("--max-inflight-bytes must be >= 0 (0 = derived from the memory limit)");
  }
  options.grpc_memory_bytes = absl::GetFlag(FLAGS_grpc_memory_bytes);
  if (options.grpc_memory_bytes < 0) {
    return absl::InvalidArgumentError("--grpc-memory-bytes must be >= 0 (0 = derived from --max-inflight-bytes)");
  }
  options.grpc_stream_max_inflight = absl::GetFlag(FLAGS_grpc_stream_max_inflight);
  if (options.grpc_stream_max_inflight < 1) {
    return absl::InvalidArgumentError("--grpc-stream-max-inflight must be >= 1");
  }
  ImageLimits& images = options.image_limits;
  images.decode.max_encoded_bytes = absl::GetFlag(FLAGS_max_image_bytes);
  images.decode.max_pixels = absl::GetFlag(FLAGS_max_image_pixels);
  images.max_request_pixels = absl::GetFlag(FLAGS_max_image_request_pixels);
  images.max_upscale = absl::GetFlag(FLAGS_max_image_upscale);
  images.max_request_crops = absl::GetFlag(FLAGS_max_request_crops);
  if (images.decode.max_encoded_bytes < 1 || images.decode.max_pixels < 1 || images.max_request_pixels < 1 ||
      images.max_request_crops < 1) {
    return absl::InvalidArgumentError(
        "--max-image-bytes, --max-image-pixels, --max-image-request-pixels and --max-request-crops must be >= 1");
  }
  if (!(images.max_upscale >= 1)) return absl::InvalidArgumentError("--max-image-upscale must be >= 1");
  options.image_threads = absl::GetFlag(FLAGS_image_threads);
  if (options.image_threads < 0) return absl::InvalidArgumentError("--image-threads must be >= 0");
  options.max_image_queue = absl::GetFlag(FLAGS_max_image_queue);
  if (options.max_image_queue < 1) return absl::InvalidArgumentError("--max-image-queue must be >= 1");
  const int age_secs = absl::GetFlag(FLAGS_max_connection_age_secs);
  if (age_secs < 0) return absl::InvalidArgumentError("--max-connection-age-secs must be >= 0");
  options.max_connection_age = absl::Seconds(age_secs);
  return options;
}

// What the logging flags ask for, set up; the error names the flag.
absl::Status SetUpLogging() {
  LogFlags flags;
  flags.level = absl::GetFlag(FLAGS_log_level);
  flags.verbose = absl::GetFlag(FLAGS_log_verbose);
  flags.info = absl::GetFlag(FLAGS_log_info);
  flags.warning = absl::GetFlag(FLAGS_log_warning);
  flags.error = absl::GetFlag(FLAGS_log_error);
  absl::StatusOr<LogSeverities> severities = ResolveLogFlags(flags);
  if (!severities.ok()) return severities.status();
  SetLogSeverities(*severities);
  return SetLogFile(absl::GetFlag(FLAGS_log_file));
}

int Run() {
  if (absl::Status logging = SetUpLogging(); !logging.ok()) {
    std::fprintf(stderr, "convoy-server: %s\n", std::string(logging.message()).c_str());
    return 2;
  }
  absl::StatusOr<ServerOptions> options = OptionsFromFlags();
  if (!options.ok()) {
    std::fprintf(stderr, "convoy-server: %s\n", std::string(options.status().message()).c_str());
    return 2;
  }
#ifdef NDEBUG
  // Debian's abseil is built to check every Mutex acquisition for lock-order
  // cycles, gRPC's own included: 3% of a loaded server's CPU (perf, LeNet-5
  // at concurrency 64). Debug builds and the tests keep the check.
  absl::SetMutexDeadlockDetectionMode(absl::OnDeadlockCycle::kIgnore);
#endif
  // Signals are taken by one thread with sigwait; every other thread
  // (created after this) inherits the blocked mask.
  sigset_t signals;
  sigemptyset(&signals);
  sigaddset(&signals, SIGTERM);
  sigaddset(&signals, SIGINT);
  pthread_sigmask(SIG_BLOCK, &signals, nullptr);

  absl::StatusOr<std::unique_ptr<Server>> server = Server::Start(*std::move(options));
  if (!server.ok()) {
    Log(LogLevel::kError, "startup_failed", {{"error", server.status().ToString()}});
    return 1;
  }
  const absl::Duration grace = absl::Seconds(absl::GetFlag(FLAGS_exit_timeout_secs));
  Server* raw = server->get();
  std::thread([signals, raw, grace] {
    int signal = 0;
    sigwait(&signals, &signal);
    Log(LogLevel::kInfo, "signal", {{"signal", signal == SIGTERM ? "SIGTERM" : "SIGINT"}});
    raw->Shutdown(grace);
  }).detach();
  raw->Wait();
  return 0;
}

}  // namespace
}  // namespace convoy::server

int main(int argc, char** argv) {
  convoy::server::CommandLineRepeats() = {convoy::RepeatedFlagValues(argc, argv, "model_repository"),
                                         convoy::RepeatedFlagValues(argc, argv, "load_model")};
  std::vector<char*> rest = convoy::ParseDashFlags(
      argc, argv, "server/main.cc",
      "Serves a model repository over KServe v2 gRPC and HTTP/REST.\n"
      "  convoy-server --model-repository DIR [--grpc-port 8001] [--http-port 8000] [--address 0.0.0.0] ...");
  if (rest.size() > 1) {
    std::fprintf(stderr, "convoy-server: unexpected argument '%s' (flags start with --)\n", rest[1]);
    return 2;
  }
  return convoy::server::Run();
}
