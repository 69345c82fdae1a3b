// The reductions (ReduceMean and its kin), run through Model on seeded
// random input and compared with reference::Reduce: axes as an attribute
// and as an input, negative axes, keepdims, empty axes with and without
// noop_with_empty_axes, and axes that only hold 1s.
#include <random>
#include <string>
#include <vector>

#include "absl/strings/str_cat.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "tests/engine/ops/op_test_util.h"
#include "tests/engine/testing/onnx_builder.h"
#include "tests/engine/testing/reference_ops.h"

namespace convoy::engine::testing {
namespace {

using ::testing::HasSubstr;

auto Reduced(std::string op, Ints axes, bool keepdims) {
  return [op, axes, keepdims](const std::vector<Tensor>& in) {
    return reference::Reduce(op, in[0], axes, keepdims);
  };
}

std::vector<NodeCase> ReduceCases() {
  std::mt19937 rng(27027);
  std::vector<NodeCase> cases;
  for (const std::string op : {"ReduceMean", "ReduceSum", "ReduceMax", "ReduceMin", "ReduceProd",
                               "ReduceL1", "ReduceL2", "ReduceSumSquare"}) {
    // ReduceProd over many elements under- or overflows; keep it near 1.
    const float lo = op == "ReduceProd" ? 0.8f : -2.0f, hi = op == "ReduceProd" ? 1.25f : 2.0f;
    auto x = [&](Shape s) { return Input("x", Random(rng, std::move(s), lo, hi)); };
    // Attribute axes until the op takes them as an input (ReduceSum from 13).
    const int64_t opset = op == "ReduceSum" ? 11 : 17;
    auto with_axes = [&](const std::string& name, Shape s, Ints axes, bool keepdims) {
      NodeCase c{absl::StrCat(op, "_", name), op, {x(std::move(s))}, {}, Reduced(op, axes, keepdims),
                 opset};
      c.attributes = {IntAttr("keepdims", keepdims ? 1 : 0)};
      if (!axes.empty()) c.attributes.push_back(IntsAttr("axes", axes));
      c.symbolic_batch = true;
      return c;
    };
    cases.push_back(with_axes("Spatial", {2, 19, 5, 7}, {2, 3}, true));
    cases.push_back(with_axes("SpatialDropped", {2, 19, 5, 7}, {2, 3}, false));
    cases.push_back(with_axes("Spatial3d", {2, 3, 4, 5, 6}, {2, 3, 4}, true));
    cases.push_back(with_axes("LastAxisNegative", {2, 5, 7, 24}, {-1}, true));
    cases.push_back(with_axes("Channels", {3, 17, 4, 4}, {1}, true));
    cases.push_back(with_axes("AllByDefault", {3, 4, 5}, {}, true));
    cases.push_back(with_axes("AllDropped", {3, 4, 5}, {}, false));
    cases.push_back(with_axes("FirstAndLast", {3, 4, 5}, {0, -1}, false));
    cases.push_back(with_axes("OnlyOnes", {3, 1, 5, 1}, {1, 3}, false));
  }
  // Every reduction takes its axes as an input from opset 18, with
  // noop_with_empty_axes as ReduceSum's.
  for (const std::string op : {"ReduceMean", "ReduceMax", "ReduceMin", "ReduceProd", "ReduceL1",
                               "ReduceL2", "ReduceSumSquare"}) {
    const float lo = op == "ReduceProd" ? 0.8f : -2.0f, hi = op == "ReduceProd" ? 1.25f : 2.0f;
    cases.push_back({absl::StrCat(op, "_Opset18AxesInput"),
                     op,
                     {Input("x", Random(rng, {2, 6, 3, 5}, lo, hi)), Init("axes", Int64Vector({-1, 2}))},
                     {IntAttr("keepdims", 1)},
                     Reduced(op, {-1, 2}, true),
                     18});
    cases.push_back({absl::StrCat(op, "_Opset18NoopWithEmptyAxes"),
                     op,
                     {Input("x", Random(rng, {2, 6, 3}, lo, hi)), Init("axes", Int64Vector({}))},
                     {IntAttr("noop_with_empty_axes", 1)},
                     [](const std::vector<Tensor>& in) { return in[0]; },
                     18});
  }
  // Axes as an input (ReduceSum since opset 13).
  NodeCase input_axes{"ReduceSum_AxesInput",
                      "ReduceSum",
                      {Input("x", Random(rng, {2, 6, 3, 5})), Init("axes", Int64Vector({-2, 1}))},
                      {IntAttr("keepdims", 0)},
                      Reduced("ReduceSum", {-2, 1}, false),
                      13};
  cases.push_back(input_axes);
  // An int64 graph input is known when the plan for its value is compiled.
  NodeCase fed_axes = input_axes;
  fed_axes.name = "ReduceSum_AxesFedAsGraphInput";
  fed_axes.operands[1] = Input("axes", Int64Vector({-2, 1}));
  cases.push_back(fed_axes);
  NodeCase omitted{"ReduceSum_AxesOmittedReducesAll",
                   "ReduceSum",
                   {Input("x", Random(rng, {2, 6, 3}))},
                   {},
                   Reduced("ReduceSum", {}, true),
                   13};
  cases.push_back(omitted);
  NodeCase noop{"ReduceSum_NoopWithEmptyAxes",
                "ReduceSum",
                {Input("x", Random(rng, {2, 6, 3})), Init("axes", Int64Vector({}))},
                {IntAttr("noop_with_empty_axes", 1)},
                [](const std::vector<Tensor>& in) { return in[0]; },
                13};
  cases.push_back(noop);
  return cases;
}
INSTANTIATE_TEST_SUITE_P(Reduce, NodeTest, ::testing::ValuesIn(ReduceCases()), CaseName);

TEST(ReduceOpTest, RefusesRepeatedAxis) {
  std::mt19937 rng(2);
  NodeCase c{"RepeatedAxis", "ReduceMean", {Input("x", Random(rng, {2, 3}))},
             {IntsAttr("axes", {1, -1})}};
  absl::StatusOr<Tensor> result = RunNodeCase(c);
  ASSERT_FALSE(result.ok());
  EXPECT_EQ(result.status().code(), absl::StatusCode::kInvalidArgument);
  EXPECT_THAT(std::string(result.status().message()), HasSubstr("repeated"));
}

}  // namespace
}  // namespace convoy::engine::testing
