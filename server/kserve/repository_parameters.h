// The parameters of the repository load and unload requests, as Triton
// takes them and as tritonclient sends them (the same over gRPC and REST,
// where the REST codec has already turned a "file:" value from base64 into
// bytes):
//
//   load    "config"        string_param  a ModelConfig in JSON, used instead
//                                         of config.pbtxt
//           "file:<path>"   bytes_param   a file of the model directory
//                                         ("file:1/model.onnx"); needs "config"
//   unload  "unload_dependents"  bool_param  also unload the ensemble members
//                                            loaded only for this model
//
// tritonclient's unload_model() always sends unload_dependents (false by
// default). Any other parameter, or one of the wrong type, is
// INVALID_ARGUMENT naming it; what the values mean is ModelManager's
// business (model_manager.h).
//
// Thread-safety: stateless.
#ifndef CONVOY_SERVER_KSERVE_REPOSITORY_PARAMETERS_H_
#define CONVOY_SERVER_KSERVE_REPOSITORY_PARAMETERS_H_

#include <string>

#include "absl/status/statusor.h"
#include "google/protobuf/map.h"
#include "grpc_service.pb.h"
#include "server/core/model_manager.h"

namespace convoy::server {

using RepositoryParameters = google::protobuf::Map<std::string, inference::ModelRepositoryParameter>;

// What a load puts in place of the repository's copy (empty: nothing).
absl::StatusOr<ModelOverride> ParseLoadParameters(const RepositoryParameters& parameters);

// unload_dependents, false when absent.
absl::StatusOr<bool> ParseUnloadParameters(const RepositoryParameters& parameters);

}  // namespace convoy::server

#endif  // CONVOY_SERVER_KSERVE_REPOSITORY_PARAMETERS_H_
