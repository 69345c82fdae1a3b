#include "engine/api/npy.h"

#include <cerrno>
#include <cstdint>
#include <cstdio>
#include <cstring>
#include <limits>
#include <memory>

#include "absl/base/config.h"
#include "absl/status/status.h"
#include "absl/strings/str_cat.h"
#include "engine/api/npy_header.h"

// Array bytes are copied straight between the file and the Tensor, which is
// only right on a little-endian host (every machine Convoy targets).
#ifndef ABSL_IS_LITTLE_ENDIAN
#error "engine/api/npy.cc assumes a little-endian host"
#endif

namespace convoy::engine {
namespace {

constexpr absl::string_view kMagic("\x93NUMPY", 6);
constexpr size_t kPreludeSize = 8;  // magic + major + minor
// numpy.save pads the header so the data starts on this boundary.
constexpr size_t kAlignment = 64;

// How an on-disk element type becomes a Tensor element.
enum class Element { kFloat32, kFloat64, kInt64, kInt32, kUint8 };

struct ElementInfo {
  absl::string_view descr;
  Element element;
  size_t size;
  DataType type;
};

constexpr ElementInfo kElements[] = {
    {"<f4", Element::kFloat32, 4, DataType::kFloat32},
    {"<f8", Element::kFloat64, 8, DataType::kFloat32},
    {"<i8", Element::kInt64, 8, DataType::kInt64},
    {"<i4", Element::kInt32, 4, DataType::kInt64},
    {"|u1", Element::kUint8, 1, DataType::kUint8},
};

constexpr absl::string_view kSupported = "'<f4', '<f8', '<i8', '<i4', '|u1'";

absl::Status ContentError(absl::string_view source, absl::string_view what) {
  return absl::InvalidArgumentError(absl::StrCat(source, ": ", what));
}

uint32_t LoadLittleEndian(const char* p, size_t n) {
  uint32_t v = 0;
  for (size_t i = 0; i < n; ++i)
    v |= static_cast<uint32_t>(static_cast<unsigned char>(p[i])) << (8 * i);
  return v;
}

absl::StatusOr<const ElementInfo*> LookUpElement(absl::string_view descr,
                                                 absl::string_view source) {
  for (const ElementInfo& info : kElements) {
    if (info.descr == descr) return &info;
  }
  if (descr.size() >= 2 && descr[0] == '>') {
    std::string little = absl::StrCat("<", descr.substr(1));
    for (const ElementInfo& info : kElements) {
      if (info.descr == little) {
        return ContentError(source, absl::StrCat("big-endian dtype '", descr,
                                                 "' is not supported; save the array as '", little,
                                                 "' (a.astype('", little, "'))"));
      }
    }
  }
  if (descr.size() >= 2 && descr[1] == 'O') {
    return ContentError(source, "object arrays ('|O') are not supported");
  }
  return ContentError(source,
                      absl::StrCat("unsupported dtype '", descr, "'; supported: ", kSupported));
}

// Element count and byte size of `shape`, or an error if either overflows.
absl::Status CheckedSizes(const Shape& shape, size_t element_size, absl::string_view source,
                          int64_t* elements, uint64_t* bytes) {
  int64_t n = 1;
  for (int64_t d : shape) {
    if (__builtin_mul_overflow(n, d, &n)) {
      return ContentError(source, absl::StrCat("shape ", ShapeToString(shape),
                                               " has more elements than fit in 64 bits"));
    }
  }
  uint64_t b = 0;
  if (__builtin_mul_overflow(static_cast<uint64_t>(n), element_size, &b) ||
      b > static_cast<uint64_t>(std::numeric_limits<int64_t>::max())) {
    return ContentError(source, absl::StrCat("shape ", ShapeToString(shape),
                                             " needs more bytes than fit in 64 bits"));
  }
  *elements = n;
  *bytes = b;
  return absl::OkStatus();
}

template <typename From, typename To>
void Convert(const char* src, int64_t n, To* dst) {
  for (int64_t i = 0; i < n; ++i) {
    From v;
    std::memcpy(&v, src + i * sizeof(From), sizeof(From));
    dst[i] = static_cast<To>(v);
  }
}

absl::string_view DescrFor(DataType type) {
  switch (type) {
    case DataType::kFloat32:
      return "<f4";
    case DataType::kInt64:
      return "<i8";
    case DataType::kUint8:
      return "|u1";
  }
  return "";
}

struct FileCloser {
  void operator()(std::FILE* f) const { std::fclose(f); }
};
using File = std::unique_ptr<std::FILE, FileCloser>;

}  // namespace

absl::StatusOr<Tensor> ParseNpy(absl::string_view bytes, absl::string_view source) {
  if (bytes.size() < kPreludeSize || bytes.substr(0, kMagic.size()) != kMagic) {
    return ContentError(source, "not an .npy file (missing the \\x93NUMPY magic string)");
  }
  const int major = static_cast<unsigned char>(bytes[6]);
  const int minor = static_cast<unsigned char>(bytes[7]);
  if (major < 1 || major > 3 || minor != 0) {
    return ContentError(source, absl::StrCat("unsupported .npy format version ", major, ".", minor,
                                             " (supported: 1.0, 2.0, 3.0)"));
  }
  // 1.0 has a 2-byte header length, 2.0 and 3.0 a 4-byte one; 3.0 only
  // changes the header's encoding to UTF-8, which matters to nothing we read.
  const size_t length_size = major == 1 ? 2 : 4;
  if (bytes.size() < kPreludeSize + length_size) {
    return ContentError(source, "truncated header (file ends inside the header length)");
  }
  const size_t header_size = LoadLittleEndian(bytes.data() + kPreludeSize, length_size);
  const size_t header_start = kPreludeSize + length_size;
  if (header_size > bytes.size() - header_start) {
    return ContentError(
        source, absl::StrCat("truncated header (declares ", header_size, " bytes, file has ",
                             bytes.size() - header_start, " after the length field)"));
  }
  absl::StatusOr<NpyHeader> header = ParseNpyHeader(bytes.substr(header_start, header_size));
  if (!header.ok()) return ContentError(source, header.status().message());

  if (header->fortran_order) {
    return ContentError(source,
                        "Fortran-order arrays are not supported; save np.ascontiguousarray(a)");
  }
  absl::StatusOr<const ElementInfo*> element = LookUpElement(header->descr, source);
  if (!element.ok()) return element.status();

  int64_t num_elements = 0;
  uint64_t data_size = 0;
  absl::Status sizes =
      CheckedSizes(header->shape, (*element)->size, source, &num_elements, &data_size);
  if (!sizes.ok()) return sizes;
  const absl::string_view data = bytes.substr(header_start + header_size);
  if (data.size() < data_size) {
    return ContentError(source, absl::StrCat("truncated data: shape ", ShapeToString(header->shape),
                                             " of '", header->descr, "' needs ", data_size,
                                             " bytes, file has ", data.size()));
  }
  if (data.size() > data_size) {
    return ContentError(
        source, absl::StrCat(data.size() - data_size, " unexpected bytes after the data of shape ",
                             ShapeToString(header->shape), " of '", header->descr, "'"));
  }

  Tensor tensor((*element)->type, header->shape);
  switch ((*element)->element) {
    case Element::kFloat32:
    case Element::kInt64:
    case Element::kUint8:
      if (data_size > 0) std::memcpy(tensor.raw_data(), data.data(), data_size);
      break;
    case Element::kFloat64:
      Convert<double>(data.data(), num_elements, tensor.data<float>());
      break;
    case Element::kInt32:
      Convert<int32_t>(data.data(), num_elements, tensor.data<int64_t>());
      break;
  }
  return tensor;
}

std::string SerializeNpy(const Tensor& tensor) {
  NpyHeader header;
  header.descr = std::string(DescrFor(tensor.type()));
  header.shape = tensor.shape();
  const std::string text = FormatNpyHeader(header);

  // Like numpy.save: the oldest version whose length field can hold the
  // header, padded with spaces and a final newline to the alignment.
  int major = 1;
  size_t length_size = 2;
  size_t padded = 0;
  for (;;) {
    const size_t unpadded = kPreludeSize + length_size + text.size() + 1;
    padded = text.size() + 1 + (kAlignment - unpadded % kAlignment);
    if (major > 1 || padded <= 0xFFFF) break;
    major = 2;
    length_size = 4;
  }

  std::string out;
  out.reserve(kPreludeSize + length_size + padded + tensor.byte_size());
  out.append(kMagic.data(), kMagic.size());
  out.push_back(static_cast<char>(major));
  out.push_back(0);
  for (size_t i = 0; i < length_size; ++i)
    out.push_back(static_cast<char>((padded >> (8 * i)) & 0xFF));
  out.append(text);
  out.append(padded - text.size() - 1, ' ');
  out.push_back('\n');
  out.append(static_cast<const char*>(tensor.raw_data()), tensor.byte_size());
  return out;
}

absl::StatusOr<Tensor> ReadNpy(const std::string& path) {
  File file(std::fopen(path.c_str(), "rb"));
  if (file == nullptr) return absl::ErrnoToStatus(errno, absl::StrCat(path, ": cannot open"));
  std::string bytes;
  char buffer[1 << 16];
  for (;;) {
    size_t n = std::fread(buffer, 1, sizeof(buffer), file.get());
    bytes.append(buffer, n);
    if (n < sizeof(buffer)) break;
  }
  if (std::ferror(file.get()))
    return absl::ErrnoToStatus(errno, absl::StrCat(path, ": read failed"));
  return ParseNpy(bytes, path);
}

absl::Status WriteNpy(const std::string& path, const Tensor& tensor) {
  const std::string bytes = SerializeNpy(tensor);
  std::FILE* raw = std::fopen(path.c_str(), "wb");
  if (raw == nullptr)
    return absl::ErrnoToStatus(errno, absl::StrCat(path, ": cannot open for writing"));
  File file(raw);
  if (std::fwrite(bytes.data(), 1, bytes.size(), file.get()) != bytes.size()) {
    return absl::ErrnoToStatus(errno, absl::StrCat(path, ": write failed"));
  }
  // fclose flushes; a full disk often only shows up here.
  if (std::fclose(file.release()) != 0) {
    return absl::ErrnoToStatus(errno, absl::StrCat(path, ": write failed"));
  }
  return absl::OkStatus();
}

}  // namespace convoy::engine
