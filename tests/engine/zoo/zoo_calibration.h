// The int8 calibration of a zoo model, made in the test as convoy-calibrate
// would make it: the float32 model run on the samples tools/make_zoo.py
// writes to <refs>/calibration/samples.npy (never the reference inputs).
#ifndef CONVOY_TESTS_ENGINE_ZOO_ZOO_CALIBRATION_H_
#define CONVOY_TESTS_ENGINE_ZOO_ZOO_CALIBRATION_H_

#include <filesystem>
#include <memory>

#include "absl/status/statusor.h"
#include "engine/api/calibration.h"
#include "engine/api/model.h"
#include "engine/api/npy.h"

namespace convoy::engine::testing {

inline absl::StatusOr<std::shared_ptr<const Calibration>> CalibrateZooModel(
    const std::filesystem::path& model_path, const std::filesystem::path& refs) {
  absl::StatusOr<std::unique_ptr<Model>> model = Model::Load(model_path.string(), {});
  if (!model.ok()) return model.status();
  absl::StatusOr<Tensor> samples = ReadNpy((refs / "calibration" / "samples.npy").string());
  if (!samples.ok()) return samples.status();
  Calibrator calibrator(**model);
  if (absl::Status s = calibrator.Add({{(*model)->inputs()[0].name, *samples}}); !s.ok()) return s;
  return std::make_shared<const Calibration>(calibrator.calibration());
}

}  // namespace convoy::engine::testing

#endif  // CONVOY_TESTS_ENGINE_ZOO_ZOO_CALIBRATION_H_
