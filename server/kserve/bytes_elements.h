// Triton's serialisation of a BYTES tensor in raw contents: each element is
// a 4-byte little-endian length followed by that many bytes. The one place
// the server writes and walks it (requests' encoded images, classification
// answers, REST bodies).
#ifndef CONVOY_SERVER_KSERVE_BYTES_ELEMENTS_H_
#define CONVOY_SERVER_KSERVE_BYTES_ELEMENTS_H_

#include <cstdint>
#include <string>

#include "absl/strings/string_view.h"

namespace convoy::server {

// Appends `element` with its length prefix. REQUIRES: size < 4 GiB.
inline void AppendBytesElement(absl::string_view element, std::string* out) {
  const uint32_t size = static_cast<uint32_t>(element.size());
  const char prefix[4] = {static_cast<char>(size & 0xff), static_cast<char>((size >> 8) & 0xff),
                          static_cast<char>((size >> 16) & 0xff), static_cast<char>((size >> 24) & 0xff)};
  out->append(prefix, 4);
  out->append(element.data(), element.size());
}

// Calls `visit(element)` for each element of `raw`, in order. False if
// `raw` is not a whole number of elements (a length that runs past the end,
// or a partial prefix).
template <typename Visit>
bool ForEachBytesElement(absl::string_view raw, Visit&& visit) {
  size_t offset = 0;
  while (offset < raw.size()) {
    if (raw.size() - offset < 4) return false;
    const auto b = [&](size_t k) { return static_cast<uint32_t>(static_cast<unsigned char>(raw[offset + k])); };
    const uint32_t length = b(0) | (b(1) << 8) | (b(2) << 16) | (b(3) << 24);
    offset += 4;
    if (raw.size() - offset < length) return false;
    visit(raw.substr(offset, length));
    offset += length;
  }
  return true;
}

}  // namespace convoy::server

#endif  // CONVOY_SERVER_KSERVE_BYTES_ELEMENTS_H_
