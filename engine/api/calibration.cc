#include "engine/api/calibration.h"

#include <algorithm>
#include <cerrno>
#include <cmath>
#include <cstdio>
#include <cstring>
#include <fstream>

#include "absl/strings/match.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_split.h"
#include "absl/strings/string_view.h"
#include "absl/strings/strip.h"
#include "common/bounded_file.h"
#include "engine/api/model.h"

namespace convoy::engine {
namespace {

constexpr char kHeader[] = "# convoy calibration v1";
// A line per calibrated value, a few dozen bytes each: far below this bound,
// which is for a file planted in a model repository.
constexpr int64_t kMaxCalibrationBytes = int64_t{64} << 20;

absl::Status LineError(const std::string& path, int line, absl::string_view what) {
  return absl::InvalidArgumentError(absl::StrCat(path, ":", line, ": ", what));
}

}  // namespace

std::string CalibrationPathFor(const std::string& model_path) {
  return model_path + ".calibration";
}

absl::StatusOr<Calibration> ReadCalibration(const std::string& path) {
  // The server reads it from the model repository when it loads an int8
  // model, so the read is bounded like the repository's other files.
  absl::StatusOr<std::string> contents = ReadBoundedFile(path, kMaxCalibrationBytes);
  if (!contents.ok()) return contents.status();
  if (contents->empty()) return LineError(path, 1, "the file is empty");
  Calibration calibration;
  int line = 0;
  for (absl::string_view text : absl::StrSplit(*contents, '\n')) {
    ++line;
    if (absl::EndsWith(text, "\r")) text.remove_suffix(1);  // Edited on Windows.
    if (line == 1) {
      if (text != kHeader) {
        return LineError(path, line, absl::StrCat("expected '", kHeader, "' (made by convoy-calibrate)"));
      }
      continue;
    }
    if (text.empty()) continue;
    if (text[0] == '#') {
      int64_t samples = 0;
      absl::string_view comment = text;
      if (absl::ConsumePrefix(&comment, "# samples ") && absl::SimpleAtoi(comment, &samples)) {
        calibration.samples = samples;
      }
      continue;
    }
    std::vector<std::string> fields = absl::StrSplit(text, absl::MaxSplits('\t', 2));
    if (fields.size() != 3 || fields[2].empty()) {
      return LineError(path, line, "expected '<min>\\t<max>\\t<value name>'");
    }
    ValueRange range;
    if (!absl::SimpleAtof(fields[0], &range.min) || !absl::SimpleAtof(fields[1], &range.max) ||
        !std::isfinite(range.min) || !std::isfinite(range.max)) {
      return LineError(path, line, absl::StrCat("bounds '", fields[0], "' and '", fields[1],
                                                "' must be finite numbers"));
    }
    if (range.min > range.max) {
      return LineError(path, line, absl::StrCat("min ", range.min, " is above max ", range.max));
    }
    if (!calibration.ranges.emplace(fields[2], range).second) {
      return LineError(path, line, absl::StrCat("value '", fields[2], "' is given twice"));
    }
  }
  return calibration;
}

absl::Status WriteCalibration(const Calibration& calibration, const std::string& path) {
  std::string text = absl::StrCat(kHeader, "\n# samples ", calibration.samples, "\n");
  for (const auto& [name, range] : calibration.ranges) {
    if (name.find_first_of("\t\r\n") != std::string::npos) {
      return absl::InvalidArgumentError(absl::StrCat(
          "value name '", name, "' holds a tab or a line break; a calibration cannot store it"));
    }
    char bounds[64];
    std::snprintf(bounds, sizeof(bounds), "%.9g\t%.9g\t", range.min, range.max);
    absl::StrAppend(&text, bounds, name, "\n");
  }
  const std::string temporary = path + ".tmp";
  {
    std::ofstream out(temporary, std::ios::binary | std::ios::trunc);
    out << text;
    out.close();
    if (!out) return absl::InternalError(absl::StrCat("cannot write ", temporary));
  }
  if (std::rename(temporary.c_str(), path.c_str()) != 0) {
    const std::string reason = std::strerror(errno);
    std::remove(temporary.c_str());
    return absl::InternalError(absl::StrCat("cannot rename ", temporary, " to ", path, ": ", reason));
  }
  return absl::OkStatus();
}

Calibrator::Calibrator(const Model& model) : model_(model), values_(model.calibrated_values()) {}

absl::Status Calibrator::Add(const std::vector<NamedTensor>& inputs) {
  RunOptions options;
  options.output_names = values_;
  if (options.output_names.empty()) {
    return absl::FailedPreconditionError(
        "the model has no convolution or Gemm with constant weights: nothing to calibrate");
  }
  absl::StatusOr<std::vector<Tensor>> values = model_.Run(inputs, options);
  if (!values.ok()) return values.status();
  for (size_t i = 0; i < values->size(); ++i) {
    const Tensor& t = (*values)[i];
    if (t.num_elements() == 0) continue;
    const float* v = t.data<float>();
    float lo = v[0], hi = v[0];
    for (int64_t j = 0; j < t.num_elements(); ++j) {
      if (!std::isfinite(v[j])) {
        return absl::InvalidArgumentError(absl::StrCat(
            "value '", options.output_names[i], "' is ", v[j], " on these inputs"));
      }
      lo = std::min(lo, v[j]);
      hi = std::max(hi, v[j]);
    }
    auto [it, added] = calibration_.ranges.try_emplace(options.output_names[i], ValueRange{lo, hi});
    if (!added) {
      it->second.min = std::min(it->second.min, lo);
      it->second.max = std::max(it->second.max, hi);
    }
  }
  if (!inputs.empty() && !inputs[0].tensor.shape().empty()) {
    calibration_.samples += inputs[0].tensor.shape()[0];
  }
  return absl::OkStatus();
}

}  // namespace convoy::engine
