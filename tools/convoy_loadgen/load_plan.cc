#include "tools/convoy_loadgen/load_plan.h"

#include <vector>

#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_split.h"

namespace convoy {
namespace {

constexpr int kMaxSteps = 1000;

absl::Status Invalid(const std::string& flag, const std::string& range, absl::string_view reason) {
  return absl::InvalidArgumentError(absl::StrCat(flag, " '", range, "': ", reason));
}

// START:END[:STEP] as doubles; `minimum` is the smallest START allowed.
absl::StatusOr<std::vector<double>> ParseRange(const std::string& flag, const std::string& range, double minimum,
                                               bool integers) {
  std::vector<std::string> parts = absl::StrSplit(range, ':');
  if (parts.size() < 2 || parts.size() > 3) return Invalid(flag, range, "expected START:END or START:END:STEP");
  double values[3] = {0, 0, 1};
  for (size_t i = 0; i < parts.size(); ++i) {
    if (!absl::SimpleAtod(parts[i], &values[i]) || (integers && values[i] != static_cast<int64_t>(values[i]))) {
      return Invalid(flag, range, absl::StrCat("'", parts[i], "' is not ", integers ? "an integer" : "a number"));
    }
  }
  const double start = values[0], end = values[1], step = values[2];
  if (start < minimum || (minimum == 0 && start <= 0)) {
    return Invalid(flag, range, absl::StrCat("START must be ", minimum == 0 ? "> 0" : ">= 1"));
  }
  if (end < start) return Invalid(flag, range, "END is below START");
  if (step <= 0) return Invalid(flag, range, "STEP must be > 0");
  if ((end - start) / step + 1 > kMaxSteps) return Invalid(flag, range, absl::StrCat("more than ", kMaxSteps, " steps"));
  std::vector<double> points;
  // An index, not repeated addition, so 0.1 steps do not drift past END.
  for (int i = 0; start + i * step <= end + 1e-9 * step; ++i) points.push_back(start + i * step);
  return points;
}

}  // namespace

absl::StatusOr<std::vector<StepLoad>> ParseConcurrencyRange(const std::string& range) {
  absl::StatusOr<std::vector<double>> points = ParseRange("--concurrency-range", range, 1, true);
  if (!points.ok()) return points.status();
  std::vector<StepLoad> loads;
  for (double point : *points) loads.push_back({static_cast<int>(point), 0});
  return loads;
}

absl::StatusOr<std::vector<StepLoad>> ParseRequestRateRange(const std::string& range) {
  absl::StatusOr<std::vector<double>> points = ParseRange("--request-rate-range", range, 0, false);
  if (!points.ok()) return points.status();
  std::vector<StepLoad> loads;
  for (double point : *points) loads.push_back({1, point});
  return loads;
}

}  // namespace convoy
