// ConfusionMatrix: counts of (true class, predicted class) pairs, the
// accuracy they give, and a table of them for the terminal.
#ifndef CONVOY_TOOLS_CONVOY_CLASSIFY_CONFUSION_MATRIX_H_
#define CONVOY_TOOLS_CONVOY_CLASSIFY_CONFUSION_MATRIX_H_

#include <cstdint>
#include <string>
#include <vector>

namespace convoy {

class ConfusionMatrix {
 public:
  explicit ConfusionMatrix(int classes) : classes_(classes), counts_(classes * classes, 0) {}

  // REQUIRES: 0 <= truth, predicted < classes.
  void Add(int truth, int predicted) {
    ++counts_[truth * classes_ + predicted];
    ++total_;
    if (truth == predicted) ++correct_;
  }
  int64_t count(int truth, int predicted) const { return counts_[truth * classes_ + predicted]; }
  int64_t total() const { return total_; }
  int64_t correct() const { return correct_; }
  double accuracy() const { return total_ == 0 ? 0 : static_cast<double>(correct_) / total_; }

  // Rows are true classes, columns predictions, with per-class recall; rows
  // are named by `labels` where given, else by index.
  std::string Format(const std::vector<std::string>& labels) const;

 private:
  int classes_;
  std::vector<int64_t> counts_;
  int64_t total_ = 0;
  int64_t correct_ = 0;
};

}  // namespace convoy

#endif  // CONVOY_TOOLS_CONVOY_CLASSIFY_CONFUSION_MATRIX_H_
