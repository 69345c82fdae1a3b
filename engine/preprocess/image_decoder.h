// DecodeImage: JPEG (libjpeg-turbo) or PNG (libpng) bytes to an Image.
//
// The format is recognised by its signature, never by a name or a client's
// say-so. The result has the channels asked for: grayscale images are
// replicated to RGB, colour images are converted to grayscale with the
// ITU-R BT.601 luma weights, Y = 0.299 R + 0.587 G + 0.114 B on the stored
// (gamma-encoded) values, rounded as libjpeg does. A colour JPEG gives its
// decoded Y plane, which is that luma of the colours it was encoded from; a
// colour PNG's decoded RGB goes through the same formula (not libpng's own
// rgb_to_gray, whose default is Rec. 709 weights in linear light). Values
// are never gamma- or colour-profile-corrected.
//
// PNG specifics: palette images are expanded, 1/2/4-bit gray is scaled to
// 8 bits, 16-bit samples are reduced to 8 bits with rounding (v * 255 /
// 65535), tRNS and alpha channels are dropped (the colour values are kept as
// stored; no compositing, so a fully transparent pixel keeps whatever colour
// it has), interlaced images are deinterlaced. Text, EXIF and ICC profile
// chunks are skipped unread. Damage libpng can work around without touching
// the pixels (a bad CRC in an ancillary chunk) is ignored; a bad CRC in a
// critical chunk, a broken zlib stream or too little image data is an error,
// as is a file cut anywhere before its IEND chunk. JPEG: baseline and
// progressive, any chroma subsampling, accurate integer IDCT and smooth
// upsampling (libjpeg's defaults, as Pillow); CMYK and YCCK are rejected,
// and any libjpeg warning (corrupt or missing data) is an error.
//
// Limits protect the server from hostile input: the encoded size is checked
// first, then the dimensions are read from the header and the pixel count is
// checked before a single pixel buffer is allocated, so a decompression bomb
// (a few KB declaring 60000x60000) is refused without being decoded.
//
// Every failure is InvalidArgument with a message that says what was wrong:
// "empty image", "encoded image of 20000000 bytes exceeds the limit of
// 16777216 bytes", "not a JPEG or PNG image (starts with 47 49 46 38)",
// "image of 40000x40000 pixels exceeds the limit of 16777216 pixels" (height
// x width), "CMYK JPEG images are not supported; ...", "corrupt PNG: ...",
// "truncated PNG: ...", "corrupt JPEG: ...", "truncated JPEG: ...". A
// truncated or corrupt image is an error, never a partially grey picture.
// (The one exception: libpng and libjpeg failing to allocate their own
// decoder state is ResourceExhausted.)
//
//   absl::StatusOr<convoy::engine::Image> image =
//       convoy::engine::DecodeImage(bytes, convoy::engine::ColorSpace::kRgb, {});
//
// Thread-safety: stateless; safe to call concurrently.
#ifndef CONVOY_ENGINE_PREPROCESS_IMAGE_DECODER_H_
#define CONVOY_ENGINE_PREPROCESS_IMAGE_DECODER_H_

#include <cstdint>

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "engine/preprocess/image.h"

namespace convoy::engine {

enum class ColorSpace { kGray, kRgb };  // 1 or 3 channels.

struct DecodeLimits {
  // Larger encoded images are refused before decoding. 16 MiB holds any
  // sensible photo; the gRPC message limit bounds it from above anyway.
  int64_t max_encoded_bytes = int64_t{16} << 20;
  // width * height. 4096 x 4096: a 48 MiB RGB buffer at most per image.
  int64_t max_pixels = int64_t{4096} * 4096;
};

absl::StatusOr<Image> DecodeImage(absl::string_view encoded, ColorSpace color,
                                  const DecodeLimits& limits);

// The height and width DecodeImage would give, read from the headers only
// (microseconds, no pixel buffer): what a server checks its limits and
// counts its memory with before it decodes anything. Every error DecodeImage
// reports before decoding pixels is reported here too, with the same
// message; an image whose size reads fine may still fail to decode later
// (corrupt or truncated pixel data).
absl::StatusOr<ImageSize> ReadImageSize(absl::string_view encoded, const DecodeLimits& limits);

}  // namespace convoy::engine

#endif  // CONVOY_ENGINE_PREPROCESS_IMAGE_DECODER_H_
