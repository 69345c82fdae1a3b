// Tensors and parameters between the gRPC protocol's messages and the JSON
// of the KServe v2 REST protocol: the pieces the REST codec
// (kserve_http_request.cc, kserve_http_response.cc) is built of.
//
// A tensor's bytes are always in the raw form: little-endian elements, BYTES
// elements each as a 4-byte little-endian length and the bytes (Triton's
// serialisation, which its binary tensor extension uses too). Typed contents
// (fp32_contents, ...) are turned into that form first, so every path below
// starts from, or ends in, raw bytes.
//
// RapidJSON appears in this header: it is included only by the codec's .cc
// files, never by a public header.
//
// Thread-safety: plain functions.
#ifndef CONVOY_CLIENT_JSON_TENSOR_H_
#define CONVOY_CLIENT_JSON_TENSOR_H_

#include <cstddef>
#include <cstdint>
#include <string>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "grpc_service.pb.h"
#include "rapidjson/document.h"
#include "rapidjson/stringbuffer.h"
#include "rapidjson/writer.h"

namespace convoy::client {

// NaN and the infinities are written as NaN, Infinity and -Infinity, which
// RapidJSON (with kParseNanAndInfFlag) and Python's json read back; standard
// JSON has no form for them.
using JsonWriter = rapidjson::Writer<rapidjson::StringBuffer, rapidjson::UTF8<>, rapidjson::UTF8<>,
                                     rapidjson::CrtAllocator, rapidjson::kWriteNanAndInfFlag>;
// How the codec parses JSON: NaN and infinities allowed, as written above.
constexpr unsigned kJsonParseFlags = rapidjson::kParseNanAndInfFlag;

// Bytes per element of a KServe datatype ("FP32" -> 4); 0 for BYTES, whose
// elements vary. InvalidArgument for a name that is not a KServe datatype.
absl::StatusOr<size_t> ElementBytes(absl::string_view datatype);

// Whether `datatype` has a JSON form: not FP16 and BF16 (no JSON number
// says which half-precision value is meant) and not BYTES, whose elements
// may be any bytes while JSON strings hold only text. Those go binary.
bool HasJsonForm(absl::string_view datatype);

// The raw form of typed contents. InvalidArgument for FP16 and BF16, which
// have no typed field, or a value that does not fit its datatype (an INT8
// given as 300).
absl::StatusOr<std::string> TypedContentsToRaw(absl::string_view datatype,
                                               const inference::InferTensorContents& contents);

// Writes the elements of `raw` as a flat JSON array. REQUIRES:
// HasJsonForm(datatype). InvalidArgument if `raw` is not a whole number of
// elements.
absl::Status WriteRawAsJsonArray(absl::string_view datatype, absl::string_view raw, JsonWriter* writer);

// The raw form of a JSON `data` value: an array, nested arrays (flattened
// in row-major order) or a single value. `elements` gets the element count.
// InvalidArgument for a value of the wrong kind or range, naming `tensor`.
absl::StatusOr<std::string> JsonDataToRaw(absl::string_view tensor, absl::string_view datatype,
                                          const rapidjson::Value& data, int64_t* elements);

// A parameter as a JSON value (bool, number, string); nothing is written
// for a parameter with no value set, so callers write the key only if
// HasParameterValue.
bool HasParameterValue(const inference::InferParameter& parameter);
void WriteParameter(const inference::InferParameter& parameter, JsonWriter* writer);
// A JSON value as a parameter: bool, integer or string. Other numbers become
// their text as a string_param (the protocol's InferParameter has no double);
// arrays, objects and null are InvalidArgument.
absl::StatusOr<inference::InferParameter> ParameterFromJson(const rapidjson::Value& value);

}  // namespace convoy::client

#endif  // CONVOY_CLIENT_JSON_TENSOR_H_
