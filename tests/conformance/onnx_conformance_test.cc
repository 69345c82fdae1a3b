// ONNX backend conformance: every case of the `node` and `pytorch-converted`
// suites of libonnx-testdata, loaded with convoy::Model and run on each of its
// test data sets, outputs compared with the ONNX backend tolerance.
//
// Each case ends as one of
//   PASS  every test data set ran and every output matched;
//   SKIP  the engine answered Unimplemented (at load, at run, or for a test
//         tensor's element type): the case uses something Convoy does not
//         support, and the status message says what;
//   FAIL  anything else: another load or run error, a wrong number of
//         outputs, or an output that does not match.
// The test fails on any FAIL, and on any SKIP of a required case (see
// expectations.h) that ExpectedSkips() does not list. It also fails on a stale
// ExpectedSkips() entry, so that list only shrinks.
//
// It is one test that walks all ~1000 cases and prints one table, rather than
// one test per case: the table is what people read, and a single process
// keeps the run to seconds. The table goes to stdout and to
// onnx_conformance.txt in the working directory (ctest's build directory),
// one line per case as it finishes, so a crash still shows where it stopped.
//
// Environment:
//   CONVOY_ONNX_TESTDATA_DIR   test data root (default kDefaultTestDataDir).
//   CONVOY_CONFORMANCE_FILTER  run only the cases whose "<suite>/<case>"
//                              contains this string.
#include <cstdlib>
#include <exception>
#include <filesystem>
#include <fstream>
#include <iostream>
#include <memory>
#include <optional>
#include <set>
#include <string>
#include <utility>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "absl/strings/str_join.h"
#include "absl/strings/str_replace.h"
#include "engine/api/model.h"
#include "engine/api/tensor.h"
#include "gtest/gtest.h"
#include "tests/conformance/conformance_case.h"
#include "tests/conformance/expectations.h"
#include "tests/conformance/tensor_match.h"

namespace convoy {
namespace conformance {
namespace {

namespace fs = std::filesystem;

constexpr char kDefaultTestDataDir[] = "/usr/share/libonnx-testdata/data";
constexpr char kTableFile[] = "onnx_conformance.txt";
// `pytorch-operator` and `simple` are left out: the former is mostly ops
// outside any CNN, the latter duplicates `node`.
const std::vector<std::string>& Suites() {
  static const auto* const kSuites = new std::vector<std::string>{"node", "pytorch-converted"};
  return *kSuites;
}

enum class Verdict { kPass, kSkip, kFail };

absl::string_view VerdictName(Verdict verdict) {
  switch (verdict) {
    case Verdict::kPass:
      return "PASS";
    case Verdict::kSkip:
      return "SKIP";
    case Verdict::kFail:
      return "FAIL";
  }
  return "?";
}

struct CaseResult {
  Verdict verdict = Verdict::kPass;
  std::string reason;  // Empty for PASS.
};

CaseResult Fail(std::string reason) { return {Verdict::kFail, std::move(reason)}; }

// Unimplemented is a SKIP with the engine's message as the reason; any other
// error is a FAIL. The case directory is dropped from messages, which start
// with the model path, to keep the table readable.
CaseResult FromError(const absl::Status& status, const ConformanceCase& c, absl::string_view stage) {
  std::string message = absl::StrReplaceAll(status.message(), {{c.dir + "/", ""}});
  if (status.code() == absl::StatusCode::kUnimplemented) return {Verdict::kSkip, message};
  return Fail(absl::StrCat(stage, ": ", absl::StatusCodeToString(status.code()), ": ", message));
}

// Inputs bind by position to the model's declared inputs: input_K.pb feeds
// inputs()[K]. (The files' TensorProto names usually agree, but the ONNX
// runner binds by position too.)
CaseResult RunDataSet(const engine::Model& model, const ConformanceCase& c, const std::string& dir) {
  absl::StatusOr<std::vector<engine::Tensor>> inputs = ReadTensorFiles(dir, "input");
  if (!inputs.ok()) return FromError(inputs.status(), c, "reading inputs");
  absl::StatusOr<std::vector<engine::Tensor>> expected = ReadTensorFiles(dir, "output");
  if (!expected.ok()) return FromError(expected.status(), c, "reading outputs");

  const std::vector<engine::TensorInfo>& declared = model.inputs();
  if (inputs->size() != declared.size()) {
    return Fail(absl::StrCat(inputs->size(), " input files for ", declared.size(),
                             " model inputs"));
  }
  std::vector<engine::NamedTensor> named;
  for (size_t k = 0; k < declared.size(); ++k) {
    named.push_back({declared[k].name, std::move((*inputs)[k])});
  }

  absl::StatusOr<std::vector<engine::Tensor>> outputs = model.Run(named);
  if (!outputs.ok()) return FromError(outputs.status(), c, "run");
  if (outputs->size() != expected->size()) {
    return Fail(absl::StrCat(outputs->size(), " outputs, want ", expected->size()));
  }
  for (size_t k = 0; k < expected->size(); ++k) {
    if (std::optional<std::string> mismatch = DescribeMismatch((*outputs)[k], (*expected)[k])) {
      const std::string name = k < model.outputs().size() ? model.outputs()[k].name : "";
      return Fail(absl::StrCat("output ", k, " '", name, "': ", *mismatch));
    }
  }
  return {};
}

CaseResult RunCase(const ConformanceCase& c) {
  absl::StatusOr<std::unique_ptr<engine::Model>> model = engine::Model::Load(c.model_path(), engine::ModelOptions{});
  if (!model.ok()) return FromError(model.status(), c, "load");
  const std::vector<std::string> data_sets = ListTestDataSets(c.dir);
  if (data_sets.empty()) return Fail("no test_data_set_N directory");
  for (const std::string& dir : data_sets) {
    CaseResult result = RunDataSet(**model, c, dir);
    if (result.verdict != Verdict::kPass) {
      result.reason = absl::StrCat(fs::path(dir).filename().string(), ": ", result.reason);
      return result;
    }
  }
  return {};
}

struct Outcome {
  ConformanceCase c;
  ModelFeatures features;
  bool required = false;
  const ExpectedSkip* expected_skip = nullptr;
  CaseResult result;

  bool unexpected_skip() const {
    return result.verdict == Verdict::kSkip && required && expected_skip == nullptr;
  }
};

Outcome Evaluate(const ConformanceCase& c) {
  Outcome outcome{c, {}, false, FindExpectedSkip(c.id()), {}};
  absl::StatusOr<ModelFeatures> features = ReadModelFeatures(c.model_path());
  if (!features.ok()) {
    outcome.result = Fail(absl::StrCat("reading model: ", features.status().ToString()));
    return outcome;
  }
  outcome.features = *std::move(features);
  outcome.required = IsRequired(outcome.features);
  // An exception escaping the engine is a bug in it; it is recorded as a
  // FAIL so that the remaining cases still run and the table is complete.
  try {
    outcome.result = RunCase(c);
  } catch (const std::exception& e) {
    outcome.result = Fail(absl::StrCat("exception: ", e.what()));
  }
  return outcome;
}

std::string TableLine(const Outcome& o) {
  std::string reason = o.result.reason;
  if (o.result.verdict == Verdict::kSkip && o.expected_skip != nullptr) {
    absl::StrAppend(&reason, "  [expected: ", o.expected_skip->reason, "]");
  } else if (o.unexpected_skip()) {
    absl::StrAppend(&reason, "  [UNEXPECTED: required case]");
  }
  return absl::StrFormat("%s  %-62s  %s", VerdictName(o.result.verdict), o.c.id(), reason);
}

// Writes each line to stdout and to the table file as soon as it is known.
class Table {
 public:
  explicit Table(const std::string& path) : file_(path) {}
  void Print(absl::string_view line) {
    std::cout << line << std::endl;
    file_ << line << std::endl;
  }

 private:
  std::ofstream file_;
};

std::vector<std::string> Summarize(const std::vector<Outcome>& outcomes) {
  int passed = 0, failed = 0, skipped = 0, expected = 0, unexpected = 0, required = 0,
      required_passed = 0;
  std::set<std::string> covered;
  for (const Outcome& o : outcomes) {
    required += o.required;
    switch (o.result.verdict) {
      case Verdict::kPass:
        ++passed;
        required_passed += o.required;
        covered.insert(o.features.op_types.begin(), o.features.op_types.end());
        break;
      case Verdict::kFail:
        ++failed;
        break;
      case Verdict::kSkip:
        ++skipped;
        expected += o.expected_skip != nullptr;
        unexpected += o.unexpected_skip();
        break;
    }
  }
  std::vector<std::string> uncovered;
  for (const std::string& op : ConvoyOperators()) {
    if (covered.count(op) == 0) uncovered.push_back(op);
  }
  return {
      absl::StrFormat("SUMMARY  %d run, %d passed, %d failed, %d skipped "
                      "(%d expected, %d unexpected)",
                      outcomes.size(), passed, failed, skipped, expected, unexpected),
      absl::StrFormat("REQUIRED %d cases (Convoy ops only, FLOAT/INT64 only), %d passed",
                      required, required_passed),
      absl::StrCat("COVERED  ops in passing cases (", covered.size(),
                   "): ", absl::StrJoin(covered, " ")),
      absl::StrCat("UNCOVERED Convoy ops without a passing case (", uncovered.size(),
                   "): ", absl::StrJoin(uncovered, " ")),
  };
}

// Entries of ExpectedSkips() that no longer describe a skipped required case.
std::vector<std::string> StaleExpectedSkips(const std::vector<Outcome>& outcomes,
                                            bool all_cases_ran) {
  std::vector<std::string> stale;
  std::set<absl::string_view> seen;
  for (const Outcome& o : outcomes) {
    if (o.expected_skip == nullptr) continue;
    seen.insert(o.expected_skip->case_id);
    if (o.result.verdict == Verdict::kPass) {
      stale.push_back(absl::StrCat(o.c.id(), ": passes now"));
    } else if (!o.required) {
      stale.push_back(absl::StrCat(o.c.id(), ": not a required case"));
    }
  }
  if (all_cases_ran) {
    for (const ExpectedSkip& skip : ExpectedSkips()) {
      if (seen.count(skip.case_id) == 0) stale.push_back(absl::StrCat(skip.case_id, ": no such case"));
    }
  }
  return stale;
}

std::string EnvOr(const char* name, const std::string& fallback) {
  const char* value = std::getenv(name);
  return value != nullptr && *value != '\0' ? value : fallback;
}

TEST(OnnxConformanceTest, RunsEveryBackendTestCase) {
  const std::string root = EnvOr("CONVOY_ONNX_TESTDATA_DIR", kDefaultTestDataDir);
  const std::string filter = EnvOr("CONVOY_CONFORMANCE_FILTER", "");
  if (!fs::is_directory(root)) GTEST_SKIP() << "ONNX test data not found at " << root;

  Table table(kTableFile);
  table.Print(absl::StrCat("# ONNX backend conformance, test data ", root,
                           filter.empty() ? "" : absl::StrCat(", filter '", filter, "'")));
  std::vector<Outcome> outcomes;
  for (const ConformanceCase& c : ListCases(root, Suites())) {
    if (!absl::StrContains(c.id(), filter)) continue;
    outcomes.push_back(Evaluate(c));
    table.Print(TableLine(outcomes.back()));
  }
  for (const std::string& line : Summarize(outcomes)) table.Print(line);
  ASSERT_FALSE(outcomes.empty()) << "no cases under " << root;

  std::vector<std::string> failed, unexpected;
  for (const Outcome& o : outcomes) {
    if (o.result.verdict == Verdict::kFail) failed.push_back(TableLine(o));
    if (o.unexpected_skip()) unexpected.push_back(TableLine(o));
  }
  EXPECT_TRUE(failed.empty()) << failed.size() << " cases FAILED:\n"
                              << absl::StrJoin(failed, "\n");
  EXPECT_TRUE(unexpected.empty())
      << unexpected.size()
      << " required cases were skipped (only Convoy ops, only FLOAT/INT64); make them run or "
         "list them in ExpectedSkips() with the reason:\n"
      << absl::StrJoin(unexpected, "\n");
  const std::vector<std::string> stale = StaleExpectedSkips(outcomes, filter.empty());
  EXPECT_TRUE(stale.empty()) << "remove these entries from ExpectedSkips():\n"
                             << absl::StrJoin(stale, "\n");
}

}  // namespace
}  // namespace conformance
}  // namespace convoy
