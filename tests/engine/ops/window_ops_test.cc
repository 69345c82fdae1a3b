// Conv, MaxPool, AveragePool, GlobalAveragePool and GlobalMaxPool against
// the reference: every window attribute (kernel, strides, dilations,
// explicit and asymmetric pads, auto_pad, ceil_mode, count_include_pad,
// groups), 1-D, 2-D and 3-D, batch 1 and 3. The cases run under
// NodeTest.MatchesReference (ops_test.cc).
#include <random>
#include <string>
#include <utility>
#include <vector>

#include "absl/strings/str_cat.h"
#include "gtest/gtest.h"
#include "tests/engine/ops/op_test_util.h"
#include "tests/engine/testing/onnx_builder.h"
#include "tests/engine/testing/reference_ops.h"

namespace convoy::engine::testing {
namespace {

// --- Window attributes shared by Conv and the pools, set fluently.

template <typename Self, typename Params>
struct WindowSpec {
  Params params;
  Self& Strides(Ints v) {
    params.strides = std::move(v);
    return self();
  }
  Self& Dilations(Ints v) {
    params.dilations = std::move(v);
    return self();
  }
  Self& Pads(Ints v) {
    params.pads = std::move(v);
    return self();
  }
  Self& AutoPad(std::string v) {
    params.auto_pad = std::move(v);
    return self();
  }
  Self& self() { return static_cast<Self&>(*this); }

  Attributes WindowAttributes() const {
    Attributes a;
    if (!params.strides.empty()) a.push_back(IntsAttr("strides", params.strides));
    if (!params.dilations.empty()) a.push_back(IntsAttr("dilations", params.dilations));
    if (!params.pads.empty()) a.push_back(IntsAttr("pads", params.pads));
    if (params.auto_pad != "NOTSET") a.push_back(StringAttr("auto_pad", params.auto_pad));
    return a;
  }
};

// --- Conv

struct ConvSpec : WindowSpec<ConvSpec, reference::ConvParams> {
  ConvSpec(std::string name, Shape x, Shape w)
      : name(std::move(name)), x(std::move(x)), w(std::move(w)) {}
  ConvSpec& Group(int64_t g) {
    params.group = g;
    return *this;
  }
  ConvSpec& NoBias() {
    bias = false;
    return *this;
  }
  ConvSpec& WeightsAsInput() {
    weights_as_input = true;
    return *this;
  }
  ConvSpec& FixedBatch() {
    symbolic_batch = false;
    return *this;
  }

  std::string name;
  Shape x, w;
  bool bias = true, weights_as_input = false, symbolic_batch = true;
};

std::vector<NodeCase> ConvCases() {
  const std::vector<ConvSpec> specs = {
      ConvSpec("Pointwise1x1", {1, 5, 7, 9}, {8, 5, 1, 1}),
      ConvSpec("Kernel3x3Pad1Batch3", {3, 6, 7, 9}, {10, 6, 3, 3}).Pads({1, 1, 1, 1}),
      ConvSpec("Kernel5x5Stride2", {1, 3, 13, 11}, {7, 3, 5, 5}).Strides({2, 2}).Pads({2, 2, 2, 2}),
      ConvSpec("Kernel11x11Stride4", {1, 3, 47, 51}, {17, 3, 11, 11}).Strides({4, 4}),
      ConvSpec("Kernel11x11Stride4Pad2Batch3", {3, 3, 31, 35}, {5, 3, 11, 11})
          .Strides({4, 4})
          .Pads({2, 2, 2, 2}),
      ConvSpec("Channels19To33", {1, 19, 9, 7}, {33, 19, 3, 3}).Pads({1, 1, 1, 1}),
      ConvSpec("Channels16To32", {2, 16, 8, 8}, {32, 16, 3, 3}).Pads({1, 1, 1, 1}),
      ConvSpec("Grouped3", {1, 12, 7, 9}, {18, 4, 3, 3}).Group(3).Pads({1, 1, 1, 1}),
      ConvSpec("Grouped2Batch3", {3, 10, 8, 6}, {6, 5, 3, 3}).Group(2).Strides({2, 1}),
      ConvSpec("Depthwise", {3, 17, 9, 7}, {17, 1, 3, 3}).Group(17).Pads({1, 1, 1, 1}),
      ConvSpec("DepthwiseMultiplier2Stride2", {1, 6, 9, 9}, {12, 1, 3, 3})
          .Group(6)
          .Strides({2, 2})
          .Pads({1, 1, 1, 1}),
      ConvSpec("Dilated2", {1, 5, 13, 11}, {6, 5, 3, 3}).Dilations({2, 2}).Pads({2, 2, 2, 2}),
      ConvSpec("DilatedStridedMixed", {2, 4, 15, 12}, {5, 4, 3, 2})
          .Dilations({2, 3})
          .Strides({2, 1}),
      ConvSpec("AsymmetricPads", {1, 5, 7, 9}, {6, 5, 3, 3}).Pads({0, 1, 2, 1}),
      ConvSpec("AsymmetricPadsStride2", {2, 3, 8, 9}, {4, 3, 4, 4})
          .Strides({2, 2})
          .Pads({1, 2, 2, 1}),
      ConvSpec("Rectangular1x7", {1, 6, 7, 9}, {5, 6, 1, 7}).Pads({0, 3, 0, 3}),
      ConvSpec("Rectangular7x1", {1, 6, 9, 7}, {5, 6, 7, 1}).Pads({3, 0, 3, 0}),
      ConvSpec("SameUpperEvenKernelStride2", {1, 5, 7, 9}, {6, 5, 4, 4})
          .Strides({2, 2})
          .AutoPad("SAME_UPPER"),
      ConvSpec("SameLowerEvenKernelStride2", {1, 5, 7, 9}, {6, 5, 4, 4})
          .Strides({2, 2})
          .AutoPad("SAME_LOWER"),
      ConvSpec("SameUpperOddKernel", {3, 5, 7, 9}, {6, 5, 3, 3}).AutoPad("SAME_UPPER"),
      ConvSpec("SameLowerDilated", {1, 4, 8, 9}, {3, 4, 2, 3})
          .Dilations({2, 1})
          .AutoPad("SAME_LOWER"),
      ConvSpec("Valid", {1, 5, 7, 9}, {6, 5, 3, 3}).Strides({2, 2}).AutoPad("VALID"),
      ConvSpec("NoBias", {1, 5, 7, 9}, {7, 5, 3, 3}).NoBias(),
      ConvSpec("WeightsAsRuntimeInput", {2, 5, 7, 9}, {7, 5, 3, 3})
          .Pads({1, 1, 1, 1})
          .WeightsAsInput(),
      // Few channels and rows of 16 or more: on AVX-512 these run
      // NarrowConv (narrow_conv.h), with its weights and bias reordered
      // from constants or, as the graph allows, from a runtime input.
      ConvSpec("NarrowRowsOf22", {2, 3, 18, 22}, {6, 3, 5, 5}).Pads({2, 2, 2, 2}),
      ConvSpec("NarrowWeightsAsRuntimeInput", {3, 2, 9, 19}, {8, 2, 3, 3})
          .Pads({1, 0, 1, 2})
          .WeightsAsInput(),
      ConvSpec("FixedBatch3", {3, 5, 7, 9}, {7, 5, 3, 3}).Pads({1, 1, 1, 1}).FixedBatch(),
      ConvSpec("OneD", {3, 5, 20}, {7, 5, 3}).Strides({2}).Pads({1, 2}),
      ConvSpec("OneDDilatedGrouped", {1, 6, 17}, {4, 3, 3}).Group(2).Dilations({2}),
      ConvSpec("ThreeD", {1, 4, 5, 6, 7}, {6, 4, 3, 3, 3}).Pads({1, 1, 1, 1, 1, 1}),
      ConvSpec("ThreeDStridedBatch3", {3, 3, 6, 7, 5}, {5, 3, 2, 3, 2}).Strides({2, 2, 1}),
  };
  std::mt19937 rng(1001);
  std::vector<NodeCase> cases;
  for (const ConvSpec& s : specs) {
    NodeCase c{s.name, "Conv"};
    c.operands.push_back(Input("x", Random(rng, s.x)));
    Tensor w = Random(rng, s.w);
    c.operands.push_back(s.weights_as_input ? Input("w", w) : Init("w", w));
    if (s.bias) c.operands.push_back(Init("b", Random(rng, {s.w[0]})));
    c.attributes = s.WindowAttributes();
    c.attributes.push_back(IntsAttr("kernel_shape", Ints(s.w.begin() + 2, s.w.end())));
    if (s.params.group != 1) c.attributes.push_back(IntAttr("group", s.params.group));
    c.symbolic_batch = s.symbolic_batch;
    c.reference = [params = s.params](const std::vector<Tensor>& in) {
      return reference::Conv(in[0], in[1], in.size() > 2 ? &in[2] : nullptr, params);
    };
    cases.push_back(std::move(c));
  }
  return cases;
}
INSTANTIATE_TEST_SUITE_P(Conv, NodeTest, ::testing::ValuesIn(ConvCases()), CaseName);

// --- MaxPool and AveragePool

struct PoolSpec : WindowSpec<PoolSpec, reference::PoolParams> {
  PoolSpec(std::string name, Shape x, Ints kernel) : name(std::move(name)), x(std::move(x)) {
    params.kernel_shape = std::move(kernel);
  }
  PoolSpec& CeilMode() {
    params.ceil_mode = true;
    return *this;
  }
  PoolSpec& IncludePad() {
    params.count_include_pad = true;
    return *this;
  }

  std::string name;
  Shape x;
};

std::vector<NodeCase> PoolCases(const std::string& op, const std::vector<PoolSpec>& specs) {
  std::mt19937 rng(op == "MaxPool" ? 2002 : 3003);
  std::vector<NodeCase> cases;
  for (const PoolSpec& s : specs) {
    NodeCase c{s.name, op, {Input("x", Random(rng, s.x))}};
    c.attributes = s.WindowAttributes();
    c.attributes.push_back(IntsAttr("kernel_shape", s.params.kernel_shape));
    if (s.params.ceil_mode) c.attributes.push_back(IntAttr("ceil_mode", 1));
    if (s.params.count_include_pad) c.attributes.push_back(IntAttr("count_include_pad", 1));
    c.symbolic_batch = true;
    c.reference = [params = s.params, max = op == "MaxPool"](const std::vector<Tensor>& in) {
      return max ? reference::MaxPool(in[0], params) : reference::AveragePool(in[0], params);
    };
    cases.push_back(std::move(c));
  }
  return cases;
}

std::vector<NodeCase> MaxPoolCases() {
  return PoolCases(
      "MaxPool",
      {
          PoolSpec("Kernel2Stride2", {1, 5, 8, 8}, {2, 2}).Strides({2, 2}),
          PoolSpec("Overlapping3x3Stride2Batch3", {3, 19, 7, 9}, {3, 3}).Strides({2, 2}),
          PoolSpec("Kernel3Stride1Pad1", {1, 6, 7, 9}, {3, 3}).Pads({1, 1, 1, 1}),
          PoolSpec("Kernel3Stride2Pad1", {2, 16, 9, 11}, {3, 3}).Strides({2, 2}).Pads({1, 1, 1, 1}),
          PoolSpec("CeilMode", {1, 5, 6, 6}, {3, 3}).Strides({2, 2}).CeilMode(),
          PoolSpec("CeilModeOddSizes", {2, 7, 9, 7}, {3, 3}).Strides({2, 2}).CeilMode(),
          // The last column window would start at 6, inside the end pad: dropped.
          PoolSpec("CeilModeDropsWindowInEndPadding", {1, 3, 4, 6}, {2, 2})
              .Strides({2, 2})
              .Pads({0, 0, 1, 1})
              .CeilMode(),
          PoolSpec("Dilated2", {1, 4, 9, 11}, {3, 3}).Dilations({2, 2}),
          PoolSpec("DilatedStridedCeil", {1, 4, 10, 9}, {2, 2})
              .Dilations({2, 2})
              .Strides({2, 2})
              .CeilMode(),
          PoolSpec("AsymmetricPads", {1, 5, 7, 9}, {3, 3}).Strides({2, 2}).Pads({0, 1, 2, 1}),
          PoolSpec("SameUpper", {1, 5, 7, 9}, {2, 4}).Strides({1, 2}).AutoPad("SAME_UPPER"),
          PoolSpec("SameLower", {1, 5, 7, 9}, {2, 4}).Strides({1, 2}).AutoPad("SAME_LOWER"),
          PoolSpec("Valid", {1, 5, 7, 9}, {3, 3}).Strides({2, 2}).AutoPad("VALID"),
          PoolSpec("Rectangular", {1, 3, 7, 10}, {1, 3}).Strides({1, 3}),
          PoolSpec("OneD", {3, 5, 20}, {3}).Strides({2}).Pads({1, 1}),
          PoolSpec("ThreeD", {1, 3, 6, 7, 8}, {2, 3, 2})
              .Strides({2, 2, 2})
              .Pads({0, 1, 0, 1, 1, 1}),
      });
}
INSTANTIATE_TEST_SUITE_P(MaxPool, NodeTest, ::testing::ValuesIn(MaxPoolCases()), CaseName);

std::vector<NodeCase> AveragePoolCases() {
  return PoolCases(
      "AveragePool",
      {
          PoolSpec("Kernel2Stride2", {1, 5, 8, 8}, {2, 2}).Strides({2, 2}),
          PoolSpec("Kernel3Pad1ExcludePadBatch3", {3, 6, 7, 9}, {3, 3}).Pads({1, 1, 1, 1}),
          PoolSpec("Kernel3Pad1IncludePad", {1, 6, 7, 9}, {3, 3}).Pads({1, 1, 1, 1}).IncludePad(),
          PoolSpec("CeilModeExcludePad", {1, 5, 6, 6}, {3, 3}).Strides({2, 2}).CeilMode(),
          // Pads of 1 plus a ceil overhang of 1: the divisor counts the pad only.
          PoolSpec("CeilModeIncludePadWithPads", {1, 5, 8, 8}, {3, 3})
              .Strides({2, 2})
              .Pads({1, 1, 1, 1})
              .CeilMode()
              .IncludePad(),
          PoolSpec("CeilModeIncludePadAsymmetricPads", {2, 5, 8, 9}, {3, 3})
              .Strides({2, 2})
              .Pads({0, 1, 1, 0})
              .CeilMode()
              .IncludePad(),
          PoolSpec("CeilModeIncludePadOneD", {1, 3, 10}, {4})
              .Strides({3})
              .Pads({1, 1})
              .CeilMode()
              .IncludePad(),
          PoolSpec("CeilModeDropsWindowInEndPadding", {1, 3, 4, 6}, {2, 2})
              .Strides({2, 2})
              .Pads({0, 0, 1, 1})
              .CeilMode(),
          PoolSpec("AsymmetricPadsIncludePad", {1, 5, 7, 9}, {3, 3})
              .Strides({2, 2})
              .Pads({0, 1, 2, 1})
              .IncludePad(),
          PoolSpec("AsymmetricPadsExcludePad", {2, 5, 7, 9}, {3, 3})
              .Strides({2, 2})
              .Pads({0, 1, 2, 1}),
          PoolSpec("SameUpperIncludePad", {1, 5, 7, 9}, {2, 4})
              .Strides({1, 2})
              .AutoPad("SAME_UPPER")
              .IncludePad(),
          PoolSpec("SameLowerExcludePad", {1, 5, 7, 9}, {2, 4})
              .Strides({1, 2})
              .AutoPad("SAME_LOWER"),
          PoolSpec("Valid", {1, 19, 7, 9}, {3, 3}).Strides({2, 2}).AutoPad("VALID"),
          PoolSpec("Kernel7OnGrid7", {2, 16, 7, 7}, {7, 7}),
          PoolSpec("OneDIncludePad", {3, 5, 20}, {3}).Strides({2}).Pads({1, 1}).IncludePad(),
          PoolSpec("ThreeDIncludePad", {1, 3, 6, 7, 8}, {2, 3, 2})
              .Strides({2, 2, 2})
              .Pads({0, 1, 0, 1, 1, 1})
              .IncludePad(),
      });
}
INSTANTIATE_TEST_SUITE_P(AveragePool, NodeTest, ::testing::ValuesIn(AveragePoolCases()), CaseName);

// Opset 19 gave AveragePool the dilations MaxPool has had since opset 10.
std::vector<NodeCase> DilatedAveragePoolCases() {
  std::vector<NodeCase> cases = PoolCases(
      "AveragePool",
      {
          PoolSpec("Dilated2", {1, 4, 9, 11}, {3, 3}).Dilations({2, 2}),
          PoolSpec("DilatedStridedPadsExcludePad", {2, 4, 10, 9}, {2, 2})
              .Dilations({2, 3})
              .Strides({2, 2})
              .Pads({1, 1, 1, 1}),
          PoolSpec("DilatedPadsIncludePad", {1, 3, 8, 8}, {3, 3})
              .Dilations({2, 2})
              .Pads({2, 2, 2, 2})
              .IncludePad(),
      });
  for (NodeCase& c : cases) c.opset = 19;
  return cases;
}
INSTANTIATE_TEST_SUITE_P(AveragePoolOpset19, NodeTest,
                         ::testing::ValuesIn(DilatedAveragePoolCases()), CaseName);

// AveragePool, ceil_mode=1, count_include_pad=1 and no explicit pads: the
// last window of each row hangs one column past the input. By the rule the
// reference cites, that overhang is not padding the model declared, so the
// divisor is the 2 columns inside the input, not the kernel's 3 (a corner
// window is divided by 4, not 9).
std::vector<NodeCase> AveragePoolCeilOverhangCases() {
  return PoolCases("AveragePool",
                   {
                       PoolSpec("CeilModeIncludePadWithoutPads", {1, 5, 6, 6}, {3, 3})
                           .Strides({2, 2})
                           .CeilMode()
                           .IncludePad(),
                   });
}
INSTANTIATE_TEST_SUITE_P(AveragePoolCeilOverhang, NodeTest,
                         ::testing::ValuesIn(AveragePoolCeilOverhangCases()), CaseName);

// --- GlobalAveragePool and GlobalMaxPool

std::vector<NodeCase> GlobalPoolCases() {
  std::mt19937 rng(4004);
  std::vector<NodeCase> cases;
  const std::vector<std::pair<std::string, Shape>> shapes = {{"OddGrid", {1, 19, 7, 9}},
                                                             {"Batch3Channels16", {3, 16, 5, 5}},
                                                             {"AlreadyOneByOne", {2, 3, 1, 1}},
                                                             {"OneD", {2, 7, 9}},
                                                             {"ThreeD", {1, 5, 3, 4, 5}}};
  for (const char* op : {"GlobalAveragePool", "GlobalMaxPool"}) {
    for (const auto& [name, shape] : shapes) {
      NodeCase c{absl::StrCat(op, "_", name), op, {Input("x", Random(rng, shape))}};
      c.symbolic_batch = true;
      c.reference = [max = std::string(op) == "GlobalMaxPool"](const std::vector<Tensor>& in) {
        return max ? reference::GlobalMaxPool(in[0]) : reference::GlobalAveragePool(in[0]);
      };
      cases.push_back(std::move(c));
    }
  }
  return cases;
}
INSTANTIATE_TEST_SUITE_P(GlobalPool, NodeTest, ::testing::ValuesIn(GlobalPoolCases()), CaseName);

}  // namespace
}  // namespace convoy::engine::testing
