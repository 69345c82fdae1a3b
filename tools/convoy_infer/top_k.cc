#include "tools/convoy_infer/top_k.h"

#include <algorithm>
#include <cmath>
#include <fstream>
#include <numeric>

#include "absl/strings/str_cat.h"

namespace convoy {

std::vector<ClassScore> TopK(absl::Span<const float> logits, int k) {
  if (logits.empty()) return {};
  const float max = *std::max_element(logits.begin(), logits.end());
  double sum = 0;
  for (float v : logits) sum += std::exp(static_cast<double>(v) - max);
  std::vector<int64_t> order(logits.size());
  std::iota(order.begin(), order.end(), 0);
  const size_t n = std::min<size_t>(std::max(k, 0), order.size());
  std::partial_sort(order.begin(), order.begin() + n, order.end(), [&](int64_t a, int64_t b) {
    return logits[a] > logits[b] || (logits[a] == logits[b] && a < b);
  });
  std::vector<ClassScore> top;
  for (size_t i = 0; i < n; ++i) {
    top.push_back({order[i], static_cast<float>(std::exp(logits[order[i]] - max) / sum)});
  }
  return top;
}

absl::StatusOr<std::vector<std::string>> ReadLabels(const std::string& path) {
  std::ifstream in(path);
  if (!in) return absl::NotFoundError(absl::StrCat(path, ": cannot open the labels file"));
  std::vector<std::string> labels;
  for (std::string line; std::getline(in, line);) {
    if (!line.empty() && line.back() == '\r') line.pop_back();
    labels.push_back(line);
  }
  return labels;
}

}  // namespace convoy
