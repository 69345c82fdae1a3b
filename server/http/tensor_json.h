// Tensor values between KServe's JSON `data` arrays and the protocol's raw
// bytes (little-endian, row-major; BYTES elements each a 4-byte
// little-endian length and the bytes), for every KServe v2 datatype.
//
// Internal to server_rest_codec. Pure functions; thread-safe.
#ifndef CONVOY_SERVER_HTTP_TENSOR_JSON_H_
#define CONVOY_SERVER_HTTP_TENSOR_JSON_H_

#include <cstdint>
#include <cstring>
#include <string>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "absl/types/span.h"
#include "rapidjson/document.h"
#include "server/http/json_text.h"
#include "server/kserve/bytes_elements.h"

namespace convoy::server {

struct WireDatatype {
  enum class Kind { kBool, kUnsigned, kSigned, kFloat16, kBfloat16, kFloat32, kFloat64, kBytes };
  absl::string_view name;  // "FP32", as the protocol spells it.
  Kind kind;
  int size;  // Bytes per element; 0 for BYTES, whose elements vary.
};

// nullptr for a name KServe v2 does not define.
const WireDatatype* FindWireDatatype(absl::string_view name);
// "BOOL, UINT8, ..., BYTES", for error messages.
std::string WireDatatypeNames();

// Nested JSON data deeper than this is refused (a shape of higher rank can
// still send its data flat).
constexpr int kMaxDataNesting = 64;

// The product of `shape`, or INVALID_ARGUMENT naming `tensor` (e.g.
// "input 'x'") when a dimension is negative or the product overflows int64.
absl::StatusOr<int64_t> ElementCount(absl::Span<const int64_t> shape, absl::string_view tensor);

// "[2,3]".
std::string ShapeText(absl::Span<const int64_t> shape);

// Appends the values of `data` to `raw` as `type`'s raw bytes. `data` is a
// JSON array, flat (exactly `elements` values) or nested exactly as `shape`
// (each level as long as its dimension). Integers must be integral and in
// the type's range, BOOL values true or false, BYTES values strings; FP16
// and BF16 are rounded to nearest even. Errors are INVALID_ARGUMENT naming
// `input` and the element's index in row-major order.
//
// `max_elements` is what the JSON text `data` came from can hold (its size
// in bytes: every value takes at least one); a shape claiming more is
// refused before any storage is allocated, so what this allocates stays
// within a few times that text. REQUIRES: elements == ElementCount(shape).
absl::Status AppendJsonData(const rapidjson::Value& data, absl::Span<const int64_t> shape, int64_t elements,
                            int64_t max_elements, const WireDatatype& type, absl::string_view input,
                            std::string* raw);

// Writes raw contents of `type` with `elements` values as a flat JSON array.
// REQUIRES: the sizes agree (raw.size() == elements * type.size, or
// `elements` whole BYTES elements); the caller checks, as a mismatch is its
// own kind of error.
void WriteRawAsJson(absl::string_view raw, const WireDatatype& type, int64_t elements, JsonWriter& writer);

}  // namespace convoy::server

#endif  // CONVOY_SERVER_HTTP_TENSOR_JSON_H_
