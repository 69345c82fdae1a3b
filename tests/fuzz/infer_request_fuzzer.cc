// libFuzzer target: the bytes of a ModelInfer call, as ModelInfer gets them
// (server/grpc/inference_service.cc), through everything that runs on them
// before the batcher: protobuf parsing, DecodeInferRequest against a real
// model with preprocessing (the zoo's lenet5-fmnist: FP32 tensors, BYTES
// images, multicrop), and building the image input from what it accepted.
//
// Every input must end in a client error (INVALID_ARGUMENT, NOT_FOUND,
// UNIMPLEMENTED) or a request whose tensors match their shapes; never a
// crash, a hang, a sanitizer report or an INTERNAL error.
//
// The model comes from CONVOY_ZOO_DIR (environment, else the build's zoo).
#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <memory>
#include <string>

#include "absl/status/status.h"
#include "grpc_service.pb.h"
#include "server/core/servable_model.h"
#include "server/grpc/infer_request_decoder.h"
#include "server/orchestration/image_input_builder.h"
#include "server/repository/model_config.h"

namespace {

using convoy::server::ServableModel;

std::shared_ptr<ServableModel> g_model;

bool IsClientError(const absl::Status& status) {
  return status.code() == absl::StatusCode::kInvalidArgument || status.code() == absl::StatusCode::kNotFound ||
         status.code() == absl::StatusCode::kUnimplemented;
}

[[noreturn]] void Fail(const char* what, const absl::Status& status) {
  std::fprintf(stderr, "%s: %s\n", what, status.ToString().c_str());
  std::abort();
}

}  // namespace

extern "C" int LLVMFuzzerInitialize(int*, char***) {
  const char* zoo = std::getenv("CONVOY_ZOO_DIR");
  const std::string dir = std::string(zoo != nullptr ? zoo : CONVOY_DEFAULT_ZOO_DIR) + "/models/lenet5-fmnist";
  auto config = convoy::server::ReadModelConfig(dir);
  if (!config.ok()) Fail("reading the model's config", config.status());
  auto model = ServableModel::Load(dir, 1, config->config, convoy::server::ServableOptions());
  if (!model.ok()) Fail("loading the model", model.status());
  g_model = *std::move(model);
  return 0;
}

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  inference::ModelInferRequest wire;
  if (!wire.ParseFromArray(data, static_cast<int>(size))) return 0;
  auto decoded = convoy::server::DecodeInferRequest(wire, *g_model);
  if (!decoded.ok()) {
    if (!IsClientError(decoded.status())) Fail("DecodeInferRequest", decoded.status());
    return 0;
  }
  const convoy::server::ModelRequest& request = decoded->request;
  for (const convoy::NamedTensor& input : request.inference.inputs) {
    const convoy::Tensor& tensor = input.tensor;
    if (tensor.byte_size() != static_cast<size_t>(tensor.num_elements()) * convoy::DataTypeSize(tensor.type())) {
      Fail("an accepted tensor", absl::InternalError("byte size does not match the shape"));
    }
  }
  if (request.image.has_value()) {
    // Small limits: the point is the code paths, not big allocations.
    convoy::DecodeLimits limits;
    limits.max_pixels = 512 * 512;
    auto image = convoy::server::BuildImageInput(request, g_model->config(), limits);
    if (!image.ok() && !IsClientError(image.status())) Fail("BuildImageInput", image.status());
  }
  return 0;
}
