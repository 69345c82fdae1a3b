// convoy-calibrate: records the ranges Precision::kInt8 quantizes with, by
// running a model in float32 on a directory of sample inputs, and writes
// them beside the model, where Model::Load (and so convoy-server and
// convoy-infer --precision int8) finds them.
//
//   convoy-calibrate --model repo/resnet50/1/model.onnx --samples calibration/
//       [--output FILE] [--config config.pbtxt] [--batch 32] [--threads T]
//
// Samples are the directory's .npy files (float32: a batch of the model's
// input, or one input without the batch dimension) and its .png / .jpg /
// .jpeg images, preprocessed as convoy-server would (the config.pbtxt's
// `preprocessing`). Take them from the data the model will see, not from
// the set it is tested on. Exit status: 0 written, 1 a load, run or write
// failed, 2 a bad command line or samples that do not fit the model.
#include <algorithm>
#include <chrono>
#include <filesystem>
#include <iostream>
#include <string>
#include <vector>

#include "absl/flags/flag.h"
#include "absl/strings/ascii.h"
#include "absl/strings/str_cat.h"
#include "common/dash_flags.h"
#include "engine/api/calibration.h"
#include "engine/api/model.h"
#include "engine/api/npy.h"
#include "tools/convoy_infer/image_input.h"

ABSL_FLAG(std::string, model, "", "The ONNX model to calibrate (required).");
ABSL_FLAG(std::string, samples, "", "Directory of sample inputs: .npy files and images (required).");
ABSL_FLAG(std::string, output, "", "Where to write the calibration; default <model>.calibration.");
ABSL_FLAG(std::string, config, "",
          "config.pbtxt whose preprocessing turns images into inputs; default the model's "
          "own in its repository (<model dir>/config.pbtxt).");
ABSL_FLAG(int, batch, 32, "Images per run.");
ABSL_FLAG(int, threads, 0, "Engine threads; 0 = one per core.");

namespace convoy {
namespace {

constexpr int kExitFailure = 1;
constexpr int kExitUsage = 2;

int Fail(int code, absl::string_view message) {
  std::cerr << "convoy-calibrate: " << message << "\n";
  return code;
}

struct Samples {
  std::vector<std::string> arrays;  // .npy files.
  std::vector<std::string> images;
};

absl::StatusOr<Samples> ListSamples(const std::string& dir) {
  std::error_code error;
  std::filesystem::directory_iterator it(dir, error);
  if (error) return absl::NotFoundError(absl::StrCat("--samples ", dir, ": ", error.message()));
  Samples samples;
  for (const auto& entry : it) {
    if (!entry.is_regular_file()) continue;
    const std::string path = entry.path().string();
    const std::string ext = absl::AsciiStrToLower(entry.path().extension().string());
    if (ext == ".npy") {
      samples.arrays.push_back(path);
    } else if (ext == ".png" || ext == ".jpg" || ext == ".jpeg") {
      samples.images.push_back(path);
    } else {
      return absl::InvalidArgumentError(
          absl::StrCat(path, ": not a sample (.npy, .png, .jpg or .jpeg)"));
    }
  }
  if (samples.arrays.empty() && samples.images.empty()) {
    return absl::InvalidArgumentError(absl::StrCat("--samples ", dir, ": no .npy file or image in it"));
  }
  std::sort(samples.arrays.begin(), samples.arrays.end());
  std::sort(samples.images.begin(), samples.images.end());
  return samples;
}

// A .npy sample as the model's input: a batch as it is, one input without
// the batch dimension as a batch of one.
absl::StatusOr<engine::NamedTensor> ReadArray(const std::string& path, const engine::TensorInfo& input) {
  absl::StatusOr<engine::Tensor> array = engine::ReadNpy(path);
  if (!array.ok()) return array.status();
  if (array->shape().size() + 1 == input.shape.size()) {
    engine::Shape batched = array->shape();
    batched.insert(batched.begin(), 1);
    *array = array->Reshaped(batched);
  }
  return engine::NamedTensor{input.name, *std::move(array)};
}

int Run() {
  const std::string model_path = absl::GetFlag(FLAGS_model);
  const std::string dir = absl::GetFlag(FLAGS_samples);
  if (model_path.empty() || dir.empty()) return Fail(kExitUsage, "--model and --samples are required");
  if (absl::GetFlag(FLAGS_batch) < 1) return Fail(kExitUsage, "--batch must be at least 1");
  absl::StatusOr<Samples> samples = ListSamples(dir);
  if (!samples.ok()) return Fail(kExitUsage, samples.status().message());

  const auto start = std::chrono::steady_clock::now();
  engine::ModelOptions options;
  options.num_threads = absl::GetFlag(FLAGS_threads);
  absl::StatusOr<std::unique_ptr<engine::Model>> model = engine::Model::Load(model_path, options);
  if (!model.ok()) return Fail(kExitFailure, model.status().ToString());
  if ((*model)->inputs().size() != 1) {
    return Fail(kExitUsage, absl::StrCat(model_path, " has ", (*model)->inputs().size(),
                                         " inputs; calibration feeds models of one input"));
  }
  engine::Calibrator calibrator(**model);
  auto add = [&](const std::string& what, absl::StatusOr<engine::NamedTensor> input) {
    absl::Status status = input.status();
    if (status.ok()) status = calibrator.Add({*std::move(input)});
    if (!status.ok()) status = absl::Status(status.code(), absl::StrCat(what, ": ", status.message()));
    return status;
  };
  for (const std::string& path : samples->arrays) {
    absl::Status s = add(path, ReadArray(path, (*model)->inputs()[0]));
    if (!s.ok()) return Fail(s.code() == absl::StatusCode::kInvalidArgument ? kExitUsage : kExitFailure, s.message());
  }
  const std::string config = ImageConfigPath(model_path, absl::GetFlag(FLAGS_config));
  const size_t batch = static_cast<size_t>(absl::GetFlag(FLAGS_batch));
  for (size_t i = 0; i < samples->images.size(); i += batch) {
    const std::vector<std::string> files(
        samples->images.begin() + i,
        samples->images.begin() + std::min(samples->images.size(), i + batch));
    absl::Status s = add(files[0], LoadImageInput(config, files));
    if (!s.ok()) return Fail(s.code() == absl::StatusCode::kInvalidArgument ? kExitUsage : kExitFailure, s.message());
  }
  const std::string output =
      absl::GetFlag(FLAGS_output).empty() ? engine::CalibrationPathFor(model_path) : absl::GetFlag(FLAGS_output);
  if (absl::Status s = engine::WriteCalibration(calibrator.calibration(), output); !s.ok()) {
    return Fail(kExitFailure, s.message());
  }
  const double seconds =
      std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  std::cout << "convoy-calibrate: ranges of " << calibrator.calibration().ranges.size()
            << " values from " << calibrator.calibration().samples << " samples in " << seconds
            << " s, written to " << output << "\n";
  return 0;
}

}  // namespace
}  // namespace convoy

int main(int argc, char** argv) {
  std::vector<char*> rest = convoy::ParseDashFlags(
      argc, argv, "tools/convoy_calibrate/main.cc",
      "convoy-calibrate --model MODEL.onnx --samples DIR [--output FILE] [--config config.pbtxt] "
      "[--batch N] [--threads T]");
  if (rest.size() > 1) {
    std::cerr << "convoy-calibrate: unexpected argument '" << rest[1] << "'\n";
    return 2;
  }
  return convoy::Run();
}
