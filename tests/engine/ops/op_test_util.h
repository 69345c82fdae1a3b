// What the operator tests share: seeded random tensors, the comparison with
// the naive reference, and single-node cases.
//
// A NodeCase is one ONNX node, its operands (graph inputs or initializers,
// in input order) and the reference that should reproduce its output. Case
// lists are instantiated against NodeTest, whose one test builds the model,
// runs it through Model and compares:
//
//   std::vector<NodeCase> ReluCases() {
//     std::mt19937 rng(1);
//     return {{"Small", "Relu", {Input("x", Random(rng, {2, 3}))}, {},
//              [](const std::vector<Tensor>& in) { return reference::Relu(in[0]); }}};
//   }
//   INSTANTIATE_TEST_SUITE_P(Relu, NodeTest, ::testing::ValuesIn(ReluCases()), CaseName);
#ifndef CONVOY_TESTS_ENGINE_OPS_OP_TEST_UTIL_H_
#define CONVOY_TESTS_ENGINE_OPS_OP_TEST_UTIL_H_

#include <cstdint>
#include <functional>
#include <memory>
#include <ostream>
#include <random>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "engine/api/model.h"
#include "engine/api/tensor.h"
#include "gtest/gtest.h"
#include "tests/engine/testing/onnx_builder.h"

namespace convoy::engine::testing {

using Attributes = std::vector<onnx::AttributeProto>;
using Ints = std::vector<int64_t>;

// --- Data

// Uniform in [lo, hi).
Tensor Random(std::mt19937& rng, Shape shape, float lo = -1.0f, float hi = 1.0f);
// Magnitudes in [0.5, 1.5] with random signs: safe divisors.
Tensor AwayFromZero(std::mt19937& rng, Shape shape);
Tensor Int64s(Shape shape, const Ints& values);
Tensor Int64Vector(const Ints& values);
Tensor Scalar(float value);

// --- Comparison

// Element-wise |engine - reference| <= 1e-4 * max(1, max |reference|). On
// failure, says how many elements differ and where the worst one is.
::testing::AssertionResult MatchesReference(const Tensor& actual, const Tensor& expected);
// MatchesReference for each pair; `names` label the failures.
void ExpectAllMatch(const std::vector<Tensor>& actual, const std::vector<Tensor>& expected,
                    const std::vector<std::string>& names);
bool BitwiseEqual(const Tensor& a, const Tensor& b);

// --- Models

// A declared shape, with the first dimension symbolic ("N") if asked.
std::vector<Dim> DimsOf(const Shape& shape, bool symbolic_batch);
// Model::LoadFromBytes with default options; `name` + ".onnx" is the source.
absl::StatusOr<std::unique_ptr<Model>> Load(const OnnxBuilder& builder, const std::string& name);

// --- Single-node cases

struct Operand {
  std::string name;  // Empty: an omitted optional input.
  Tensor value;
  bool initializer = false;
};

Operand Input(std::string name, Tensor value);
Operand Init(std::string name, Tensor value);
Operand Omitted();

struct NodeCase {
  std::string name;  // Test name suffix: letters, digits and '_'.
  std::string op;
  std::vector<Operand> operands = {};
  Attributes attributes = {};
  // Reproduces the output from the operands' values (omitted ones empty).
  std::function<Tensor(const std::vector<Tensor>&)> reference = nullptr;
  int64_t opset = 17;
  bool symbolic_batch = false;  // Declare operand 0's first dimension as "N".
};

void PrintTo(const NodeCase& c, std::ostream* os);
std::string CaseName(const ::testing::TestParamInfo<NodeCase>& info);

// Builds the one-node model (output "y"), loads it and runs it once.
absl::StatusOr<Tensor> RunNodeCase(const NodeCase& c);

class NodeTest : public ::testing::TestWithParam<NodeCase> {};

}  // namespace convoy::engine::testing

#endif  // CONVOY_TESTS_ENGINE_OPS_OP_TEST_UTIL_H_
