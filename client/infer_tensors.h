// Helpers that put tensors into a ModelInferRequest and read them out of a
// ModelInferResponse, whichever client (gRPC or HTTP) carried them.
//
// Inputs go in as raw little-endian bytes, the fast form of both protocols;
// outputs are read from raw_output_contents, or from typed contents when a
// server sent those. BYTES tensors use Triton's serialisation: each element
// as a 4-byte little-endian length, then its bytes.
//
// Thread-safety: plain functions on the caller's messages.
#ifndef CONVOY_CLIENT_INFER_TENSORS_H_
#define CONVOY_CLIENT_INFER_TENSORS_H_

#include <cstdint>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "absl/types/span.h"
#include "grpc_service.pb.h"

namespace convoy::client {

// Adds an input given as raw little-endian bytes (the fast form).
void AddFp32Input(inference::ModelInferRequest* request, const std::string& name,
                  const std::vector<int64_t>& shape, absl::Span<const float> values);
void AddUint8Input(inference::ModelInferRequest* request, const std::string& name,
                   const std::vector<int64_t>& shape, absl::Span<const uint8_t> values);
// A BYTES input of shape [N], one element each (for example encoded JPEG or
// PNG files), framed as Triton does: 4-byte little-endian length, bytes.
void AddBytesInput(inference::ModelInferRequest* request, const std::string& name,
                   absl::Span<const std::string> elements);

// Appends `element` to `raw` in the BYTES framing above.
void AppendBytesElement(absl::string_view element, std::string* raw);
// The elements of a BYTES tensor in that framing; DataLoss if truncated.
absl::StatusOr<std::vector<std::string>> SplitBytesElements(absl::string_view raw);

struct Fp32Output {
  std::vector<int64_t> shape;
  std::vector<float> values;
};
// An FP32 output of a response, from raw_output_contents or typed contents.
absl::StatusOr<Fp32Output> GetFp32Output(const inference::ModelInferResponse& response,
                                         const std::string& name);
// A BYTES output (for example classification strings), element by element.
absl::StatusOr<std::vector<std::string>> GetBytesOutput(
    const inference::ModelInferResponse& response, const std::string& name);

}  // namespace convoy::client

#endif  // CONVOY_CLIENT_INFER_TENSORS_H_
