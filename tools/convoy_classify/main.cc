// convoy-classify: classifies image files, or evaluates a model on a
// labelled dataset, through any KServe v2 server (Convoy, Triton, ...).
//
//   convoy-classify [--server 127.0.0.1:8001] [--protocol grpc|http [--http-data binary|json]]
//                   --model NAME [--top-k 3]
//                   [--multicrop N | --client-preprocess] [--json] FILE|DIR...
//   convoy-classify --model NAME --dataset fashion-mnist-test [--limit N]
//                   [--multicrop N] [--save-scores SCORES.npy] [--json]
//
// Files are sent as they are (BYTES, one request per file, decoded and
// preprocessed by the server), or with --client-preprocess as the tensor the
// server would make of them (from the model's config); directories are walked. Dataset images are
// encoded as PNG and sent the same way, so the evaluation covers the whole
// serving path. Requests are pipelined over one client with at most
// --concurrency in flight: one HTTP/2 channel with --protocol grpc, as many
// keep-alive connections with --protocol http (KServe REST, port 8000).
// Exit status: 0 if every request succeeded, 1 if any failed (each failure
// is printed with its status and message), 2 for a bad command line.
#include <unistd.h>

#include <algorithm>
#include <cstdio>
#include <filesystem>
#include <iostream>
#include <mutex>
#include <optional>
#include <string>
#include <vector>

#include "absl/flags/flag.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "absl/strings/str_join.h"
#include "absl/strings/str_split.h"
#include "client/infer_tensors.h"
#include "client/kserve_client.h"
#include "common/bounded_file.h"
#include "common/dash_flags.h"
#include "engine/api/npy.h"
#include "engine/api/tensor.h"
#include "engine/preprocess/image_decoder.h"
#include "engine/preprocess/preprocess.h"
#include "repository/preprocess_spec.h"
#include "tools/common/client_protocol.h"
#include "tools/common/client_tls_flags.h"
#include "tools/common/json_string.h"
#include "tools/convoy_classify/confusion_matrix.h"
#include "tools/convoy_classify/idx_dataset.h"
#include "tools/convoy_classify/png_encoder.h"
#include "tools/convoy_classify/request_pipeline.h"

ABSL_FLAG(std::string, server, "",
          "host:port of the server. Empty = 127.0.0.1:8001 with --protocol grpc, 127.0.0.1:8000 with "
          "--protocol http.");
ABSL_FLAG(std::string, protocol, "grpc", "KServe v2 over grpc, or over http (REST, HTTP/1.1 keep-alive).");
ABSL_FLAG(std::string, http_data, "binary",
          "With --protocol http: tensors as binary (Triton's binary tensor extension) or json (JSON numbers; "
          "the image files, BYTES, still go binary).");
ABSL_FLAG(std::string, model, "", "Model (or ensemble) to ask (required).");
ABSL_FLAG(std::string, version, "", "Model version; empty = the server's choice.");
ABSL_FLAG(int, top_k, 3, "Classes to print per file.");
ABSL_FLAG(int64_t, multicrop, 0, "Crops per image (1, 5 or 10); 0 = the model's default.");
ABSL_FLAG(bool, client_preprocess, false,
          "Decode and preprocess images here, as the model's config.pbtxt says, and send tensors "
          "(one centre crop) instead of the files.");
ABSL_FLAG(std::string, input, "", "The input images go to; empty = the model's first input.");
ABSL_FLAG(std::string, output, "", "The class-score output; empty = the model's first output.");
ABSL_FLAG(int, concurrency, 8, "Requests in flight at most.");
ABSL_FLAG(double, timeout, 30, "Seconds before a request is given up.");
ABSL_FLAG(bool, json, false, "Print JSON (one object per file, or one for a dataset).");
ABSL_FLAG(std::string, dataset, "", "Evaluate on a labelled IDX dataset: fashion-mnist-test or a path.");
ABSL_FLAG(int64_t, limit, 0, "With --dataset: only the first N images (0 = all).");
ABSL_FLAG(std::string, save_scores, "", "With --dataset: write the class scores [N, classes] as .npy.");

namespace convoy {
namespace {

constexpr int kExitFailed = 1;
constexpr int kExitUsage = 2;
// An image file bigger than this is refused before it is read.
constexpr int64_t kMaxFileBytes = int64_t{64} << 20;

struct Target {
  std::string model;
  std::string version;
  std::string input;
  std::string output;
  int64_t classes = 0;
  // With --client-preprocess: the model's preprocessing, done here.
  std::optional<engine::PreprocessSpec> client_preprocessing;
};

// A server or model problem in the user's terms.
std::string Explain(const std::string& server, const std::string& model, const absl::Status& status) {
  std::string text = absl::StrCat(server, ": model '", model, "': ", absl::StatusCodeToString(status.code()),
                                  ": ", status.message());
  if (status.code() == absl::StatusCode::kUnavailable || status.code() == absl::StatusCode::kDeadlineExceeded) {
    absl::StrAppend(&text, " (is a server running at ", server, "?)");
  }
  return text;
}

absl::StatusOr<Target> Describe(client::KServeClient& client, const std::string& server) {
  Target target{absl::GetFlag(FLAGS_model), absl::GetFlag(FLAGS_version), absl::GetFlag(FLAGS_input),
                absl::GetFlag(FLAGS_output), /*classes=*/0, /*client_preprocessing=*/std::nullopt};
  absl::StatusOr<inference::ModelMetadataResponse> metadata = client.ModelMetadata(target.model, target.version);
  if (!metadata.ok()) return absl::Status(metadata.status().code(), Explain(server, target.model, metadata.status()));
  if (metadata->inputs().empty() || metadata->outputs().empty()) {
    return absl::InvalidArgumentError(absl::StrCat("model '", target.model, "' declares no inputs or outputs"));
  }
  if (target.input.empty()) target.input = metadata->inputs(0).name();
  if (target.output.empty()) target.output = metadata->outputs(0).name();
  for (const auto& output : metadata->outputs()) {
    if (output.name() == target.output && !output.shape().empty()) target.classes = output.shape().Get(output.shape_size() - 1);
  }
  if (target.classes < 1) {
    return absl::InvalidArgumentError(absl::StrCat("model '", target.model, "' has no output '", target.output,
                                                   "' of class scores"));
  }
  return target;
}

inference::ModelInferRequest ImageRequest(const Target& target, std::string file) {
  inference::ModelInferRequest request;
  request.set_model_name(target.model);
  request.set_model_version(target.version);
  client::AddBytesInput(&request, target.input, {std::move(file)});
  if (absl::GetFlag(FLAGS_multicrop) != 0) {
    (*request.mutable_parameters())["multicrop"].set_int64_param(absl::GetFlag(FLAGS_multicrop));
  }
  return request;
}

// With --client-preprocess, the file as the tensor the server would have
// made of it (one centre crop); else ImageRequest. Undecodable files are
// InvalidArgument, as the server would say.
absl::StatusOr<inference::ModelInferRequest> FileRequest(const Target& target, std::string file) {
  if (!target.client_preprocessing) return ImageRequest(target, std::move(file));
  const engine::PreprocessSpec& spec = *target.client_preprocessing;
  absl::StatusOr<engine::Image> image =
      engine::DecodeImage(file, spec.channels() == 1 ? engine::ColorSpace::kGray : engine::ColorSpace::kRgb,
                          engine::DecodeLimits());
  if (!image.ok()) return image.status();
  std::vector<float> pixels(spec.CropElements());
  if (absl::Status status = engine::PreprocessImage(*image, spec, 1, absl::MakeSpan(pixels)); !status.ok()) {
    return status;
  }
  inference::ModelInferRequest request;
  request.set_model_name(target.model);
  request.set_model_version(target.version);
  client::AddFp32Input(&request, target.input, {1, spec.channels(), spec.crop_height, spec.crop_width}, pixels);
  // One crop, whatever the model's default: the tensor is that crop.
  (*request.mutable_parameters())["multicrop"].set_int64_param(1);
  return request;
}

void AskClassification(inference::ModelInferRequest* request, const std::string& output, int64_t k) {
  auto* wanted = request->add_outputs();
  wanted->set_name(output);
  (*wanted->mutable_parameters())["classification"].set_int64_param(k);
}

// "\r  1234/10000" on a terminal, nothing otherwise.
std::function<void(int64_t)> ProgressBar(int64_t total) {
  if (absl::GetFlag(FLAGS_json) || !isatty(STDERR_FILENO)) return nullptr;
  return [total](int64_t done) {
    const int width = 30;
    const int filled = total == 0 ? width : static_cast<int>(width * done / total);
    std::fprintf(stderr, "\r[%s%s] %lld/%lld", std::string(filled, '#').c_str(),
                 std::string(width - filled, ' ').c_str(), static_cast<long long>(done),
                 static_cast<long long>(total));
    if (done == total) std::fprintf(stderr, "\n");
  };
}

absl::StatusOr<std::vector<std::string>> ExpandPaths(const std::vector<std::string>& args) {
  std::vector<std::string> files;
  for (const std::string& arg : args) {
    std::error_code error;
    if (std::filesystem::is_directory(arg, error)) {
      std::vector<std::string> found;
      for (const auto& entry : std::filesystem::recursive_directory_iterator(arg, error)) {
        if (entry.is_regular_file()) found.push_back(entry.path().string());
      }
      if (error) return absl::NotFoundError(absl::StrCat(arg, ": ", error.message()));
      std::sort(found.begin(), found.end());
      files.insert(files.end(), found.begin(), found.end());
    } else if (std::filesystem::exists(arg, error)) {
      files.push_back(arg);
    } else {
      return absl::NotFoundError(absl::StrCat(arg, ": no such file or directory"));
    }
  }
  return files;
}

// "<score>:<index>:<label>" entries of Triton's classification extension.
struct ClassScore {
  double score = 0;
  int64_t index = 0;
  std::string label;
};

std::vector<ClassScore> ParseClassification(const std::vector<std::string>& entries) {
  std::vector<ClassScore> scores;
  for (const std::string& entry : entries) {
    std::vector<std::string> parts = absl::StrSplit(entry, absl::MaxSplits(':', 2));
    ClassScore score;
    if (parts.size() < 2 || !absl::SimpleAtod(parts[0], &score.score) || !absl::SimpleAtoi(parts[1], &score.index)) {
      continue;
    }
    if (parts.size() == 3) score.label = parts[2];
    scores.push_back(std::move(score));
  }
  return scores;
}

int ClassifyFiles(client::KServeClient& client, const Target& target, const std::vector<std::string>& files) {
  struct Outcome {
    absl::Status status;
    std::vector<ClassScore> top;
  };
  std::vector<Outcome> outcomes(files.size());
  const int64_t k = std::min<int64_t>(absl::GetFlag(FLAGS_top_k), target.classes);
  RunPipelined(
      client, static_cast<int64_t>(files.size()), absl::GetFlag(FLAGS_concurrency),
      [&](int64_t i) -> absl::StatusOr<inference::ModelInferRequest> {
        absl::StatusOr<std::string> bytes = ReadBoundedFile(files[i], kMaxFileBytes);
        if (!bytes.ok()) return bytes.status();
        absl::StatusOr<inference::ModelInferRequest> request = FileRequest(target, *std::move(bytes));
        if (!request.ok()) return request.status();
        AskClassification(&*request, target.output, k);
        return request;
      },
      [&](int64_t i, absl::Status status, const inference::ModelInferResponse& response) {
        if (status.ok()) {
          absl::StatusOr<std::vector<std::string>> entries = client::GetBytesOutput(response, target.output);
          if (entries.ok()) outcomes[i].top = ParseClassification(*entries);
          status = entries.status();
        }
        outcomes[i].status = std::move(status);
      },
      ProgressBar(static_cast<int64_t>(files.size())));
  int failed = 0;
  for (size_t i = 0; i < files.size(); ++i) {
    const Outcome& outcome = outcomes[i];
    if (!outcome.status.ok()) {
      ++failed;
      std::cerr << files[i] << ": error: " << absl::StatusCodeToString(outcome.status.code()) << ": "
                << outcome.status.message() << "\n";
      continue;
    }
    if (absl::GetFlag(FLAGS_json)) {
      std::cout << "{\"file\": " << JsonString(files[i]) << ", \"top\": [";
      for (size_t j = 0; j < outcome.top.size(); ++j) {
        std::cout << (j ? ", " : "") << "{\"index\": " << outcome.top[j].index << ", \"label\": "
                  << JsonString(outcome.top[j].label) << ", \"score\": " << outcome.top[j].score << "}";
      }
      std::cout << "]}\n";
      continue;
    }
    std::string line = files[i];
    for (const ClassScore& score : outcome.top) {
      absl::StrAppendFormat(&line, "  %s #%d (%.4f)", score.label, score.index, score.score);
    }
    std::cout << line << "\n";
  }
  return failed == 0 ? 0 : kExitFailed;
}

// Class names, asked once of the server with the classification extension.
std::vector<std::string> ClassNames(client::KServeClient& client, const Target& target, const std::string& png) {
  inference::ModelInferRequest request = ImageRequest(target, png);
  AskClassification(&request, target.output, target.classes);
  std::vector<std::string> names(target.classes);
  absl::StatusOr<inference::ModelInferResponse> response = client.Infer(request);
  if (!response.ok()) return names;
  absl::StatusOr<std::vector<std::string>> entries = client::GetBytesOutput(*response, target.output);
  if (!entries.ok()) return names;
  for (const ClassScore& score : ParseClassification(*entries)) {
    if (score.index >= 0 && score.index < target.classes) names[score.index] = score.label;
  }
  return names;
}

int EvaluateDataset(client::KServeClient& client, const Target& target) {
  const std::string name = absl::GetFlag(FLAGS_dataset);
  absl::StatusOr<std::pair<std::string, std::string>> paths = ResolveIdxDataset(name);
  if (!paths.ok()) return (std::cerr << "convoy-classify: " << paths.status().message() << "\n", kExitUsage);
  absl::StatusOr<IdxDataset> dataset = ReadIdxDataset(paths->first, paths->second);
  if (!dataset.ok()) return (std::cerr << "convoy-classify: " << dataset.status().message() << "\n", kExitFailed);
  const int64_t limit = absl::GetFlag(FLAGS_limit);
  const int64_t count = limit > 0 ? std::min(limit, dataset->count) : dataset->count;
  engine::Tensor scores(engine::DataType::kFloat32, {count, target.classes});
  std::vector<absl::Status> failures(count);
  RunPipelined(
      client, count, absl::GetFlag(FLAGS_concurrency),
      [&](int64_t i) -> absl::StatusOr<inference::ModelInferRequest> {
        absl::StatusOr<std::string> png = EncodeGrayPng(dataset->image(i), dataset->rows, dataset->cols);
        if (!png.ok()) return png.status();
        absl::StatusOr<inference::ModelInferRequest> request = FileRequest(target, *std::move(png));
        if (!request.ok()) return request.status();
        request->add_outputs()->set_name(target.output);
        return request;
      },
      [&](int64_t i, absl::Status status, const inference::ModelInferResponse& response) {
        if (status.ok()) {
          absl::StatusOr<client::Fp32Output> output = client::GetFp32Output(response, target.output);
          if (output.ok() && static_cast<int64_t>(output->values.size()) != target.classes) {
            output = absl::DataLossError(absl::StrCat(output->values.size(), " scores, not ", target.classes));
          }
          if (output.ok()) std::copy(output->values.begin(), output->values.end(), scores.data<float>() + i * target.classes);
          status = output.status();
        }
        failures[i] = std::move(status);
      },
      ProgressBar(count));
  ConfusionMatrix matrix(static_cast<int>(target.classes));
  int64_t failed = 0;
  for (int64_t i = 0; i < count; ++i) {
    if (!failures[i].ok()) {
      if (failed++ == 0) {
        std::cerr << "image " << i << ": error: " << absl::StatusCodeToString(failures[i].code()) << ": "
                  << failures[i].message() << "\n";
      }
      continue;
    }
    const float* row = scores.data<float>() + i * target.classes;
    const int predicted = static_cast<int>(std::max_element(row, row + target.classes) - row);
    const int truth = dataset->labels[i];
    if (truth < target.classes) matrix.Add(truth, predicted);
  }
  if (failed > 0) std::cerr << failed << " of " << count << " requests failed\n";
  if (!absl::GetFlag(FLAGS_save_scores).empty()) {
    absl::Status saved = engine::WriteNpy(absl::GetFlag(FLAGS_save_scores), scores);
    if (!saved.ok()) return (std::cerr << "convoy-classify: " << saved.message() << "\n", kExitFailed);
  }
  const int64_t crops = absl::GetFlag(FLAGS_multicrop);
  if (absl::GetFlag(FLAGS_json)) {
    std::cout << absl::StrFormat(
        "{\"model\": %s, \"dataset\": %s, \"multicrop\": %d, \"images\": %d, \"evaluated\": %d, "
        "\"correct\": %d, \"accuracy\": %.6f, \"failed\": %d}\n",
        JsonString(target.model), JsonString(name), crops, count, matrix.total(), matrix.correct(),
        matrix.accuracy(), failed);
  } else {
    std::cout << absl::StrFormat("%s on %s (%d images%s): top-1 accuracy %.2f%% (%d of %d)\n", target.model, name,
                                 count, crops > 0 ? absl::StrCat(", multicrop ", crops) : "",
                                 100 * matrix.accuracy(), matrix.correct(), matrix.total());
    absl::StatusOr<std::string> first = EncodeGrayPng(dataset->image(0), dataset->rows, dataset->cols);
    std::cout << matrix.Format(first.ok() ? ClassNames(client, target, *first) : std::vector<std::string>{});
  }
  return failed == 0 ? 0 : kExitFailed;
}

int Main(int argc, char** argv) {
  std::vector<char*> positional = ParseDashFlags(
      argc, argv, "tools/convoy_classify/main.cc",
      "convoy-classify --model NAME [flags] FILE|DIR...   or   convoy-classify --model NAME --dataset NAME");
  const std::vector<std::string> args(positional.begin() + 1, positional.end());
  const ClientProtocol protocol{absl::GetFlag(FLAGS_protocol), absl::GetFlag(FLAGS_http_data)};
  if (absl::Status checked = CheckClientProtocol(protocol); !checked.ok()) {
    return (std::cerr << "convoy-classify: " << checked.message() << "\n", kExitUsage);
  }
  const std::string server = absl::GetFlag(FLAGS_server).empty() ? DefaultServer(protocol) : absl::GetFlag(FLAGS_server);
  if (absl::GetFlag(FLAGS_model).empty()) return (std::cerr << "convoy-classify: --model is required\n", kExitUsage);
  const bool dataset = !absl::GetFlag(FLAGS_dataset).empty();
  if (dataset == !args.empty()) {
    std::cerr << "convoy-classify: give image files or directories, or --dataset, not both\n";
    return kExitUsage;
  }
  if (absl::GetFlag(FLAGS_concurrency) < 1 || absl::GetFlag(FLAGS_top_k) < 1) {
    return (std::cerr << "convoy-classify: --concurrency and --top-k must be at least 1\n", kExitUsage);
  }
  if (absl::GetFlag(FLAGS_client_preprocess) && absl::GetFlag(FLAGS_multicrop) > 1) {
    return (std::cerr << "convoy-classify: --client-preprocess sends one crop; --multicrop needs the server's "
                         "preprocessing\n",
            kExitUsage);
  }
  client::ClientOptions options;
  options.target = server;
  options.timeout = absl::Seconds(absl::GetFlag(FLAGS_timeout));
  if (absl::Status tls = ApplyClientTlsFlags(&options); !tls.ok()) {
    return (std::cerr << "convoy-classify: " << tls.message() << "\n", kExitUsage);
  }
  absl::StatusOr<std::unique_ptr<client::KServeClient>> client =
      CreateKServeClient(protocol, options, absl::GetFlag(FLAGS_concurrency));
  if (!client.ok()) return (std::cerr << "convoy-classify: " << client.status().message() << "\n", kExitFailed);
  absl::StatusOr<Target> target = Describe(**client, server);
  if (!target.ok()) return (std::cerr << "convoy-classify: " << target.status().message() << "\n", kExitFailed);
  if (absl::GetFlag(FLAGS_client_preprocess)) {
    absl::StatusOr<inference::ModelConfig> config = (*client)->ModelConfig(target->model, target->version);
    if (!config.ok()) {
      std::cerr << "convoy-classify: " << Explain(server, target->model, config.status()) << "\n";
      return kExitFailed;
    }
    if (!config->has_preprocessing()) {
      std::cerr << "convoy-classify: model '" << target->model
                << "' has no preprocessing section in its config, so there is nothing to do here "
                   "(--client-preprocess)\n";
      return kExitUsage;
    }
    target->client_preprocessing = repository::PreprocessSpecFromConfig(*config);
  }
  if (dataset) return EvaluateDataset(**client, *target);
  absl::StatusOr<std::vector<std::string>> files = ExpandPaths(args);
  if (!files.ok()) return (std::cerr << "convoy-classify: " << files.status().message() << "\n", kExitUsage);
  return ClassifyFiles(**client, *target, *files);
}

}  // namespace
}  // namespace convoy

int main(int argc, char** argv) { return convoy::Main(argc, argv); }
