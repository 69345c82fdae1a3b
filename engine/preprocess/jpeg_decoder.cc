// JPEG through TurboJPEG (libjpeg-turbo 2.1's tj* API).
#include <turbojpeg.h>

#include <cstddef>

#include "absl/cleanup/cleanup.h"
#include "absl/status/status.h"
#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "engine/preprocess/format_decoders.h"

namespace convoy::engine {
namespace preprocess_internal {
namespace {

// libjpeg's JWRN_JPEG_EOF, issued when the data ends before the image does
// (the decoder then pads with grey, which TJFLAG_STOPONWARNING refuses).
constexpr absl::string_view kEndOfData = "Premature end of JPEG file";
// Every encoder ends the file with this marker, and entropy-coded data
// cannot contain it (0xFF there is always followed by 0x00 or a restart
// marker). An embedded EXIF thumbnail can; a file cut after one is then
// reported as corrupt rather than truncated, an error all the same.
constexpr absl::string_view kEndOfImage("\xFF\xD9", 2);

// TurboJPEG reports only message text, and a file cut inside its headers
// fails with a message about structure ("missing SOS marker", "Bogus marker
// length"), so a file without an end-of-image marker is called truncated
// whatever libjpeg said.
absl::Status JpegError(absl::string_view encoded, absl::string_view message) {
  if (absl::StrContains(message, kEndOfData)) {
    return absl::InvalidArgumentError(absl::StrCat("truncated JPEG: ", message));
  }
  if (!absl::StrContains(encoded, kEndOfImage)) {
    return absl::InvalidArgumentError(absl::StrCat(
        "truncated JPEG: the data ends without an end-of-image marker (", message, ")"));
  }
  return absl::InvalidArgumentError(absl::StrCat("corrupt JPEG: ", message));
}

// The frame's size, with the checks DecodeJpeg makes before decoding.
absl::StatusOr<ImageSize> ReadHeader(tjhandle handle, absl::string_view encoded, int64_t max_pixels) {
  const auto* data = reinterpret_cast<const unsigned char*>(encoded.data());
  const auto size = static_cast<unsigned long>(encoded.size());  // NOLINT(runtime/int): tj API.
  int width = 0;
  int height = 0;
  int subsampling = 0;
  int colorspace = 0;
  if (tjDecompressHeader3(handle, data, size, &width, &height, &subsampling, &colorspace) != 0) {
    return JpegError(encoded, tjGetErrorStr2(handle));
  }
  if (width <= 0 || height <= 0) {
    // TurboJPEG's answer (success, no size) when the data ends, really or by
    // being cut short, before a frame header.
    return absl::InvalidArgumentError(
        absl::StrContains(encoded, kEndOfImage)
            ? "corrupt JPEG: no frame header (only tables)"
            : "truncated JPEG: the data ends before the frame header");
  }
  if (colorspace == TJCS_CMYK || colorspace == TJCS_YCCK) {
    return absl::InvalidArgumentError(
        "CMYK JPEG images are not supported; convert the image to RGB");
  }
  if (absl::Status s = CheckPixelLimit(height, width, max_pixels); !s.ok()) return s;
  return ImageSize{height, width};
}

absl::StatusOr<tjhandle> NewDecompressor() {
  tjhandle handle = tjInitDecompress();
  if (handle == nullptr) {
    return absl::ResourceExhaustedError(
        absl::StrCat("cannot create a JPEG decoder: ", tjGetErrorStr2(nullptr)));
  }
  return handle;
}

}  // namespace

absl::StatusOr<ImageSize> ReadJpegSize(absl::string_view encoded, int64_t max_pixels) {
  absl::StatusOr<tjhandle> handle = NewDecompressor();
  if (!handle.ok()) return handle.status();
  absl::Cleanup destroy = [&handle] { tjDestroy(*handle); };
  return ReadHeader(*handle, encoded, max_pixels);
}

absl::StatusOr<Image> DecodeJpeg(absl::string_view encoded, ColorSpace color, int64_t max_pixels) {
  absl::StatusOr<tjhandle> created = NewDecompressor();
  if (!created.ok()) return created.status();
  tjhandle handle = *created;
  absl::Cleanup destroy = [handle] { tjDestroy(handle); };
  const auto* data = reinterpret_cast<const unsigned char*>(encoded.data());
  const auto size = static_cast<unsigned long>(encoded.size());  // NOLINT(runtime/int): tj API.
  absl::StatusOr<ImageSize> header = ReadHeader(handle, encoded, max_pixels);
  if (!header.ok()) return header.status();
  const int height = header->height;
  const int width = header->width;

  Image image;
  image.height = height;
  image.width = width;
  image.channels = color == ColorSpace::kGray ? 1 : 3;
  image.pixels.resize(static_cast<size_t>(height) * width * image.channels);
  // Gray from a colour JPEG is its decoded Y (BT.601 luma) plane; RGB from a
  // gray JPEG replicates the plane. STOPONWARNING: corrupt or truncated data
  // is only a warning to libjpeg. LIMITSCANS: a progressive file with
  // thousands of tiny scans would otherwise cost minutes of CPU. ACCURATEDCT
  // is TurboJPEG's default for decoding, made explicit because the header
  // calls it implementation-specific.
  const int flags = TJFLAG_STOPONWARNING | TJFLAG_LIMITSCANS | TJFLAG_ACCURATEDCT;
  if (tjDecompress2(handle, data, size, image.pixels.data(), width, width * image.channels, height,
                    color == ColorSpace::kGray ? TJPF_GRAY : TJPF_RGB, flags) != 0) {
    return JpegError(encoded, tjGetErrorStr2(handle));
  }
  return image;
}

}  // namespace preprocess_internal
}  // namespace convoy::engine
