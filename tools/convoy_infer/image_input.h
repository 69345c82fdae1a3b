// convoy-infer --image: encoded image files to a model input, preprocessed
// exactly as convoy-server does it (the model's config.pbtxt `preprocessing`
// section, engine/preprocess), so the server's image path can be checked
// offline: `--image cat.jpg --save-input x.npy` writes the very tensor the
// server would batch.
#ifndef CONVOY_TOOLS_CONVOY_INFER_IMAGE_INPUT_H_
#define CONVOY_TOOLS_CONVOY_INFER_IMAGE_INPUT_H_

#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "engine/api/model.h"

namespace convoy {

// The config.pbtxt to use: `config_path` if given, else the repository's
// <model dir>/config.pbtxt for a model file at <model dir>/<version>/FILE.
std::string ImageConfigPath(const std::string& model_path, const std::string& config_path);

// Reads and validates the config, decodes each file and preprocesses it
// (one centre crop each). The result is named after preprocessing.input,
// shape [files, C, H, W]. Errors name the file: "a.png: not a JPEG or PNG
// image ...", or the config and its missing section.
absl::StatusOr<engine::NamedTensor> LoadImageInput(const std::string& config_path,
                                                   const std::vector<std::string>& files);

}  // namespace convoy

#endif  // CONVOY_TOOLS_CONVOY_INFER_IMAGE_INPUT_H_
