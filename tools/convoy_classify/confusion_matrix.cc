#include "tools/convoy_classify/confusion_matrix.h"

#include <algorithm>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"

namespace convoy {

std::string ConfusionMatrix::Format(const std::vector<std::string>& labels) const {
  auto name = [&](int c) {
    return c < static_cast<int>(labels.size()) ? absl::StrCat(c, " ", labels[c]) : absl::StrCat(c);
  };
  const std::string corner = "true \\ predicted";
  size_t width = corner.size();
  for (int c = 0; c < classes_; ++c) width = std::max(width, name(c).size());
  std::string out = absl::StrFormat("%-*s", static_cast<int>(width), corner);
  for (int c = 0; c < classes_; ++c) absl::StrAppendFormat(&out, " %6d", c);
  absl::StrAppend(&out, "  recall\n");
  for (int t = 0; t < classes_; ++t) {
    absl::StrAppendFormat(&out, "%-*s", static_cast<int>(width), name(t));
    int64_t row = 0;
    for (int p = 0; p < classes_; ++p) {
      absl::StrAppendFormat(&out, " %6d", count(t, p));
      row += count(t, p);
    }
    absl::StrAppendFormat(&out, "  %5.1f%%\n", row == 0 ? 0.0 : 100.0 * count(t, t) / row);
  }
  return out;
}

}  // namespace convoy
