// PreprocessSpecFromConfig: the engine's image preprocessing for a model, as
// its config.pbtxt's `preprocessing` section describes it. Shared by the
// server and by convoy-infer --image, so both preprocess alike.
#ifndef CONVOY_REPOSITORY_PREPROCESS_SPEC_H_
#define CONVOY_REPOSITORY_PREPROCESS_SPEC_H_

#include "engine/preprocess/preprocess.h"
#include "model_config.pb.h"

namespace convoy::repository {

// REQUIRES: `config` validated by ParseModelConfig and has preprocessing.
// The crop size is the spatial size (dims H, W) of the preprocessed input.
engine::PreprocessSpec PreprocessSpecFromConfig(const inference::ModelConfig& config);

}  // namespace convoy::repository

#endif  // CONVOY_REPOSITORY_PREPROCESS_SPEC_H_
