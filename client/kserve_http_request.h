// The requests of the KServe v2 REST protocol (HTTP/1.1), made from the gRPC
// protocol's messages, so that the HTTP client takes what the gRPC client
// takes.
//
// An inference request is a JSON header, followed, with Triton's binary
// tensor extension, by the tensors' bytes:
//
//   POST /v2/models/resnet50/infer
//   Content-Type: application/octet-stream
//   Inference-Header-Content-Length: 212
//
//   {"parameters":{"multicrop":10},"inputs":[{"name":"image","shape":[1],
//    "datatype":"BYTES","parameters":{"binary_data_size":48213}}],
//   "outputs":[{"name":"probabilities","parameters":{"classification":3,
//    "binary_data":true}}]}<48213 bytes: the BYTES tensor>
//
// HttpDataForm::kBinary sends every input that way and asks every output
// back binary, as Triton's perf_analyzer does: no number is printed or
// parsed. HttpDataForm::kJson sends tensors as JSON `data` arrays and asks
// for JSON outputs, except for what JSON cannot carry, which still goes
// binary: BYTES inputs (their elements may be any bytes, encoded images for
// one, while a JSON string holds only text) and FP16/BF16 inputs (no JSON
// number names a half-precision value). A request in kJson form with only
// such inputs is therefore the same as in kBinary form but for its outputs.
//
// Inputs may be given as raw_input_contents (one per input) or as typed
// contents (fp32_contents, ...); both forms encode the same. Request, input
// and output `parameters` are carried as JSON values; the keys the binary
// extension uses (binary_data_size, binary_data, binary_data_output) are set
// by the encoder from the form, never copied from the request.
//
// Thread-safety: plain functions.
#ifndef CONVOY_CLIENT_KSERVE_HTTP_REQUEST_H_
#define CONVOY_CLIENT_KSERVE_HTTP_REQUEST_H_

#include <string>

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "client/http_message.h"
#include "grpc_service.pb.h"

namespace convoy::client {

enum class HttpDataForm {
  kBinary,  // Triton's binary tensor extension for inputs and outputs.
  kJson,    // JSON `data` arrays where JSON can carry the tensor (above).
};

// "binary" or "json" -> the form; InvalidArgument otherwise.
absl::StatusOr<HttpDataForm> ParseHttpDataForm(absl::string_view name);

// /v2/models/NAME[/versions/VERSION]SUFFIX, with NAME and VERSION
// percent-encoded; SUFFIX ("/ready", "/config", ...) is taken as it is.
std::string ModelPath(absl::string_view name, absl::string_view version, absl::string_view suffix);

// /v2/repository/models/NAME/ACTION ("load", "unload"), NAME percent-encoded.
std::string RepositoryModelPath(absl::string_view name, absl::string_view action);

// POST .../infer for `request`. InvalidArgument for a request that cannot be
// sent: no model name, raw_input_contents that are neither absent nor one
// per input, typed contents that do not fit their datatype, or raw bytes
// that are not a whole number of elements when they must be printed as
// JSON.
absl::StatusOr<HttpRequest> EncodeInferRequest(const inference::ModelInferRequest& request, HttpDataForm form);

}  // namespace convoy::client

#endif  // CONVOY_CLIENT_KSERVE_HTTP_REQUEST_H_
