// Top-k classes of a [batch, classes] output, for people reading a result.
#ifndef CONVOY_TOOLS_CONVOY_INFER_TOP_K_H_
#define CONVOY_TOOLS_CONVOY_INFER_TOP_K_H_

#include <cstdint>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/types/span.h"

namespace convoy {

struct ClassScore {
  int64_t index = 0;
  float probability = 0;  // Softmax of the row.
};

// The k classes of highest value in `logits`, best first, with their
// softmax probabilities. Ties keep the lower index first.
std::vector<ClassScore> TopK(absl::Span<const float> logits, int k);

// Reads a labels file: one class name per line, as Triton's label_filename.
absl::StatusOr<std::vector<std::string>> ReadLabels(const std::string& path);

}  // namespace convoy

#endif  // CONVOY_TOOLS_CONVOY_INFER_TOP_K_H_
