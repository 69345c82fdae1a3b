// libFuzzer target: the bytes of a ModelInfer call, as ModelInfer gets them
// (server/grpc/inference_service.cc), through everything that runs on them
// before the batcher: protobuf parsing, DecodeInferRequest against a real
// model with preprocessing (the zoo's lenet5-fmnist: FP32 tensors, BYTES
// images, multicrop), admission (the image limits read from headers, the
// request's bytes in flight reserved from a byte budget), and building the
// image input from what it accepted.
//
// Every input must end in a client error (INVALID_ARGUMENT, NOT_FOUND,
// UNIMPLEMENTED, RESOURCE_EXHAUSTED from the budget) or a request whose
// tensors match their shapes and whose built image input fits in what
// admission counted; never a crash, a hang, a sanitizer report or an
// INTERNAL error.
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
#include "repository/model_config.h"
#include "server/core/servable_model.h"
#include "server/kserve/infer_request_decoder.h"
#include "server/core/memory_budget.h"
#include "server/orchestration/image_input_builder.h"
#include "server/orchestration/image_limits.h"
#include "server/orchestration/request_cost.h"

namespace {

using convoy::server::SingleModel;

std::shared_ptr<SingleModel> g_model;

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
  auto config = convoy::repository::ReadModelConfig(dir);
  if (!config.ok()) Fail("reading the model's config", config.status());
  auto model = convoy::server::SingleModel::Load(dir, 1, *std::move(config), convoy::server::ServableOptions());
  if (!model.ok()) Fail("loading the model", model.status());
  g_model = *std::move(model);
  return 0;
}

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  inference::ModelInferRequest wire;
  if (!wire.ParseFromArray(data, static_cast<int>(size))) return 0;
  auto decoded = convoy::server::DecodeInferRequest(&wire, *g_model);
  if (!decoded.ok()) {
    if (!IsClientError(decoded.status())) Fail("DecodeInferRequest", decoded.status());
    return 0;
  }
  convoy::server::ModelRequest& request = decoded->request;
  for (const convoy::engine::NamedTensor& input : request.inference.inputs) {
    const convoy::engine::Tensor& tensor = input.tensor;
    if (tensor.byte_size() !=
        static_cast<size_t>(tensor.num_elements()) * convoy::engine::DataTypeSize(tensor.type())) {
      Fail("an accepted tensor", absl::InternalError("byte size does not match the shape"));
    }
  }
  // Small limits: the point is the code paths, not big allocations.
  convoy::server::ImageLimits limits;
  limits.decode.max_pixels = 512 * 512;
  limits.max_request_pixels = 1 << 20;
  if (absl::Status checked = convoy::server::CheckImageWork(&request, g_model->config(), limits); !checked.ok()) {
    if (!IsClientError(checked)) Fail("CheckImageWork", checked);
    return 0;
  }
  const int64_t cost = convoy::server::InflightBytes(request, *g_model);
  static convoy::server::MemoryBudget budget(int64_t{64} << 20);
  auto reservation = budget.Reserve(cost);
  if (!reservation.ok()) {
    if (reservation.status().code() != absl::StatusCode::kResourceExhausted) Fail("Reserve", reservation.status());
    return 0;
  }
  if (request.image.has_value()) {
    auto image = convoy::server::BuildImageInput(request, g_model->config(), limits.decode, 0,
                                                 request.inference.batch_size);
    if (!image.ok() && !IsClientError(image.status())) Fail("BuildImageInput", image.status());
    if (image.ok() && static_cast<int64_t>(image->byte_size()) > cost) {
      Fail("admission", absl::InternalError("the built image input is larger than the request's counted bytes"));
    }
  }
  return 0;
}
