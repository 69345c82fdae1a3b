// The arithmetic of combining class scores: softmax, and averaging the
// crops of each image.
//
// Thread-safety: stateless; safe to call concurrently.
#ifndef CONVOY_SERVER_ORCHESTRATION_SCORE_MATH_H_
#define CONVOY_SERVER_ORCHESTRATION_SCORE_MATH_H_

#include <cstdint>

#include "absl/types/span.h"

namespace convoy::server {

// In place: exp(x - max) / sum, so large logits do not overflow.
void Softmax(absl::Span<float> row);

// Adds to `out` (one row per image) the mean of each image's `crops`
// consecutive rows of `rows`; each row is a softmax of itself first when
// `softmax` is set. `row_size` = elements per row.
// REQUIRES: rows.size() == out.size() * crops; out.size() % row_size == 0.
void AddCropMeans(absl::Span<const float> rows, int64_t row_size, int64_t crops, bool softmax,
                  absl::Span<float> out);

}  // namespace convoy::server

#endif  // CONVOY_SERVER_ORCHESTRATION_SCORE_MATH_H_
