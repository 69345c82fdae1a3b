#include "server/orchestration/score_math.h"

#include <algorithm>
#include <cmath>
#include <vector>

namespace convoy::server {

void Softmax(absl::Span<float> row) {
  if (row.empty()) return;
  const float max = *std::max_element(row.begin(), row.end());
  double sum = 0;
  for (float& x : row) {
    x = std::exp(x - max);
    sum += x;
  }
  const float scale = static_cast<float>(1.0 / sum);
  for (float& x : row) x *= scale;
}

void AddCropMeans(absl::Span<const float> rows, int64_t row_size, int64_t crops, bool softmax,
                  absl::Span<float> out) {
  const int64_t images = static_cast<int64_t>(out.size()) / row_size;
  const float weight = 1.0f / static_cast<float>(crops);
  std::vector<float> row(row_size);
  for (int64_t n = 0; n < images; ++n) {
    float* mean = out.data() + n * row_size;
    for (int64_t k = 0; k < crops; ++k) {
      const float* source = rows.data() + (n * crops + k) * row_size;
      row.assign(source, source + row_size);
      if (softmax) Softmax(absl::MakeSpan(row));
      for (int64_t i = 0; i < row_size; ++i) mean[i] += row[i] * weight;
    }
  }
}

}  // namespace convoy::server
