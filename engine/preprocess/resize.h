// ResizeShorterSide: scales an image so its shorter side is a given length,
// keeping the aspect ratio. The longer side is truncated, as torchvision's
// Resize(size) does (640x427 to shorter side 256 is 383x256, not 384x256).
//
// The filter is bilinear (a triangle kernel over pixel centres, the
// align_corners=false convention). When shrinking, the kernel is widened by
// the scale factor so every source pixel contributes: antialiased, as
// Pillow's Image.resize(BILINEAR) and torchvision's Resize(antialias=True)
// do, instead of the aliased two-tap bilinear of OpenCV. Results are rounded
// to the nearest integer and clamped to [0, 255]. Weights are computed once
// per output row and column (separable: horizontal pass, then vertical).
// An image whose shorter side already has the length is returned unchanged.
//
// The arithmetic is Pillow's (9.x, Resample.c): the normalised weights are
// rounded to 22-bit fixed point and the horizontal pass is rounded to 8 bits
// before the vertical one, so results equal Pillow's for L and RGB images
// (tests/engine/preprocess/resize_test.cc checks against its output). A
// dimension that does not change is not filtered at all.
//
// Thread-safety: stateless; safe to call concurrently.
#ifndef CONVOY_ENGINE_PREPROCESS_RESIZE_H_
#define CONVOY_ENGINE_PREPROCESS_RESIZE_H_

#include "engine/preprocess/image.h"

namespace convoy::engine {

// The size ResizeShorterSide(image, shorter_side) gives an image of
// height x width, each side at least 1 and saturating at INT_MAX.
// REQUIRES: height, width, shorter_side > 0.
ImageSize SizeWithShorterSide(int height, int width, int shorter_side);

// REQUIRES: image non-empty, shorter_side > 0, and the result small enough
// to allocate (callers bound it; see kMaxResizedPixels in preprocess.h).
Image ResizeShorterSide(const Image& image, int shorter_side);

// Resizes to exactly height x width with the same filter.
// REQUIRES: image non-empty, height > 0, width > 0.
Image Resize(const Image& image, int height, int width);

}  // namespace convoy::engine

#endif  // CONVOY_ENGINE_PREPROCESS_RESIZE_H_
