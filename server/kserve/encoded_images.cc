#include "server/kserve/encoded_images.h"

#include <cstdint>
#include <string>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"

namespace convoy::server {
namespace {

uint32_t LoadLittleEndian32(const char* bytes) {
  const auto* b = reinterpret_cast<const unsigned char*>(bytes);
  return uint32_t{b[0]} | uint32_t{b[1]} << 8 | uint32_t{b[2]} << 16 | uint32_t{b[3]} << 24;
}

absl::Status Invalid(const std::string& name, absl::string_view reason) {
  return absl::InvalidArgumentError(absl::StrCat("input '", name, "': ", reason));
}

// Splits Triton's length-prefixed serialisation into `count` elements.
absl::StatusOr<std::vector<absl::string_view>> SplitRaw(const std::string& name, absl::string_view raw,
                                                        int64_t count) {
  std::vector<absl::string_view> elements;
  elements.reserve(static_cast<size_t>(count));
  for (int64_t i = 0; i < count; ++i) {
    if (raw.size() < 4) {
      return Invalid(name, absl::StrCat("raw_input_contents ends before the length of element ", i, " (",
                                        count, " elements expected, each a 4-byte little-endian length and "
                                        "its bytes)"));
    }
    const uint32_t length = LoadLittleEndian32(raw.data());
    raw.remove_prefix(4);
    if (length > raw.size()) {
      return Invalid(name, absl::StrCat("element ", i, " declares ", length, " bytes but only ", raw.size(),
                                        " remain in raw_input_contents"));
    }
    elements.push_back(raw.substr(0, length));
    raw.remove_prefix(length);
  }
  if (!raw.empty()) {
    return Invalid(name, absl::StrCat(raw.size(), " bytes follow the last of its ", count,
                                      " elements in raw_input_contents"));
  }
  return elements;
}

}  // namespace

absl::StatusOr<std::vector<absl::string_view>> DecodeEncodedImages(const inference::ModelInferRequest& request,
                                                                   int index, int64_t max_batch_size) {
  const auto& wire = request.inputs(index);
  const auto& shape = wire.shape();
  const bool shape_ok = (shape.size() == 1 || (shape.size() == 2 && shape[1] == 1)) && shape[0] >= 1;
  if (!shape_ok) {
    return Invalid(wire.name(), absl::StrCat("BYTES shape [", absl::StrJoin(shape, ","),
                                             "]: encoded images take shape [N] or [N,1], one image per batch item"));
  }
  const int64_t count = shape[0];
  if (count > max_batch_size) {
    return Invalid(wire.name(), absl::StrCat("batch size ", count, " is above max_batch_size ", max_batch_size));
  }
  if (request.raw_input_contents_size() > 0) {
    return SplitRaw(wire.name(), request.raw_input_contents(index), count);
  }
  const auto& contents = wire.contents();
  const bool other_fields = contents.bool_contents_size() > 0 || contents.int_contents_size() > 0 ||
                            contents.int64_contents_size() > 0 || contents.uint_contents_size() > 0 ||
                            contents.uint64_contents_size() > 0 || contents.fp32_contents_size() > 0 ||
                            contents.fp64_contents_size() > 0;
  if (other_fields) {
    return Invalid(wire.name(), "is BYTES but its contents use another type's field (use bytes_contents)");
  }
  if (contents.bytes_contents_size() != count) {
    return Invalid(wire.name(), absl::StrCat("has ", contents.bytes_contents_size(),
                                             " entries in bytes_contents but shape [", absl::StrJoin(shape, ","),
                                             "] needs ", count));
  }
  std::vector<absl::string_view> elements(contents.bytes_contents().begin(), contents.bytes_contents().end());
  return elements;
}

}  // namespace convoy::server
