// Calibration: the range of values each quantized tensor of a model takes on
// sample inputs, which an int8 plan turns into its scales.
//
// Precision::kInt8 runs convolutions and Gemms on 8-bit integers: an input is scaled
// into [0, 255] (or [-127, 127] where the range goes below zero) by the
// range recorded here, its weights into [-127, 127] channel by channel. The
// ranges come from running the float32 model on samples (convoy-calibrate,
// or Calibrate below) and are stored beside the model, in a text file:
//
//   # convoy calibration v1
//   <min>\t<max>\t<value name>
//
// one line per value, names as the ONNX file spells them (a name holding a
// tab or a line break cannot be stored and is refused).
//
// Thread-safety: a const Calibration may be read from any number of threads.
#ifndef CONVOY_ENGINE_API_CALIBRATION_H_
#define CONVOY_ENGINE_API_CALIBRATION_H_

#include <cstdint>
#include <string>
#include <vector>

#include "absl/container/btree_map.h"
#include "absl/status/status.h"
#include "absl/status/statusor.h"

namespace convoy::engine {

class Model;
struct NamedTensor;

struct ValueRange {
  float min = 0;
  float max = 0;
};

struct Calibration {
  // Ordered by name, so the file is stable and diffs well.
  absl::btree_map<std::string, ValueRange> ranges;
  int64_t samples = 0;  // How many inputs (batch rows) the ranges come from.
};

// Where Load looks for the calibration of the model at `model_path`:
// "<model_path>.calibration", e.g. "resnet50/1/model.onnx.calibration".
std::string CalibrationPathFor(const std::string& model_path);

// NotFound if there is no file; InvalidArgument if it is not a regular file
// or is over 64 MiB, or, naming the file and line, if it is not a
// calibration (a missing field, a number that does not parse, a min above
// max, a non-finite bound, a name given twice); other read errors as their
// errno maps to a Status code.
absl::StatusOr<Calibration> ReadCalibration(const std::string& path);
// Writes atomically (a temporary file renamed over `path`).
absl::Status WriteCalibration(const Calibration& calibration, const std::string& path);

// Records ranges from sample batches run through a float32 model.
//
//   Calibrator calibrator(*model);
//   for (const auto& batch : samples) RETURN_IF_ERROR(calibrator.Add(batch));
//   RETURN_IF_ERROR(WriteCalibration(calibrator.calibration(), path));
//
// Thread-compatible: one thread at a time.
class Calibrator {
 public:
  // REQUIRES: `model` (float32) outlives the calibrator.
  explicit Calibrator(const Model& model);

  // Runs one batch of inputs and widens the range of each of
  // model.calibrated_values() to cover what it takes. Errors are Run's,
  // and a value that is not finite (InvalidArgument, naming it).
  absl::Status Add(const std::vector<NamedTensor>& inputs);

  const Calibration& calibration() const { return calibration_; }

 private:
  const Model& model_;
  const std::vector<std::string> values_;  // model_.calibrated_values(), asked once.
  Calibration calibration_;
};

}  // namespace convoy::engine

#endif  // CONVOY_ENGINE_API_CALIBRATION_H_
