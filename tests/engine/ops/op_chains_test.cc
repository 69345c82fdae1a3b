// Small networks whose values cross layout changes: blocked convolution
// outputs feeding pools, normalisations, residual adds, concatenations,
// transposes, reshapes and a classifier head, each checked against the
// reference built alongside the graph (reference_net.h).
#include <random>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "engine/api/model.h"
#include "gtest/gtest.h"
#include "tests/engine/ops/op_test_util.h"
#include "tests/engine/ops/reference_net.h"

namespace convoy::engine::testing {
namespace {

// With `outputs` naming intermediate values, the graph is not optimised, so
// that values a fusion would remove can be compared too.
absl::StatusOr<std::vector<Tensor>> LoadAndRun(const ReferenceNet& net, const Tensor& x,
                                               const std::vector<std::string>& outputs = {}) {
  ModelOptions options;
  options.optimize = outputs.empty();
  auto model = Model::LoadFromBytes(net.Serialize(), "chain.onnx", options);
  if (!model.ok()) return model.status();
  return (*model)->Run({{"x", x}}, RunOptions{outputs});
}

TEST(ChainTest, ResidualClassifierMatchesReference) {
  ResidualClassifier r;
  std::mt19937 rng(1);
  const Tensor x = Random(rng, {3, 3, 11, 13});
  auto out = LoadAndRun(r.net, x);
  ASSERT_TRUE(out.ok()) << out.status();
  ExpectAllMatch(*out, r.net.Reference(x), r.net.outputs());
}

TEST(ChainTest, ResidualClassifierIntermediatesMatchReference) {
  ResidualClassifier r;
  std::mt19937 rng(2);
  const Tensor x = Random(rng, {2, 3, 11, 13});
  const std::vector<std::string> names = {r.pooled, r.sum, r.gap, r.probabilities};
  auto out = LoadAndRun(r.net, x, names);
  ASSERT_TRUE(out.ok()) << out.status();
  ExpectAllMatch(*out, r.net.Reference(x, names), names);
}

TEST(ChainTest, InceptionConcatOfConvBranchesMatchesReference) {
  // Branch widths 5, 7, 3 and 16: a mix of layouts oneDNN picks for them.
  ReferenceNet net(22022, {1, 16, 9, 11});
  const std::string b1 = net.Relu(net.Conv("x", 5, {1, 1}));
  const std::string b2 =
      net.Relu(net.Conv(net.Relu(net.Conv("x", 6, {1, 1})), 7, {3, 3}, Padded(1)));
  const std::string b3 =
      net.Relu(net.Conv(net.Relu(net.Conv("x", 4, {1, 1})), 3, {5, 5}, Padded(2)));
  const std::string b4 = net.Relu(net.Conv(net.MaxPool("x", PoolWindow(3, 1, 1)), 16, {1, 1}));
  const std::string joined = net.Concat({b1, b2, b3, b4});
  net.Output(joined);
  net.Output(net.MaxPool(joined, PoolWindow(3, 2, 0, /*ceil_mode=*/true)));
  std::mt19937 rng(3);
  const Tensor x = Random(rng, {2, 16, 9, 11});
  auto out = LoadAndRun(net, x);
  ASSERT_TRUE(out.ok()) << out.status();
  ExpectAllMatch(*out, net.Reference(x), net.outputs());
}

TEST(ChainTest, TransposeAfterConvMatchesReference) {
  ReferenceNet net(23023, {1, 5, 7, 9});
  net.Output(net.Transpose(net.Conv("x", 19, {3, 3}, Padded(1)), {0, 2, 3, 1}));
  std::mt19937 rng(4);
  const Tensor x = Random(rng, {3, 5, 7, 9});
  auto out = LoadAndRun(net, x);
  ASSERT_TRUE(out.ok()) << out.status();
  ExpectAllMatch(*out, net.Reference(x), net.outputs());
}

TEST(ChainTest, PlainInputAndBlockedConvOutputMixMatchReference) {
  // The graph input stays plain while the 16-channel conv output is blocked:
  // concatenations of the two in either order, and a softmax over channels.
  ReferenceNet net(27027, {1, 5, 7, 9});
  const std::string conv = net.Conv("x", 16, {3, 3}, Padded(1));
  net.Output(net.Concat({"x", conv}));
  net.Output(net.Concat({conv, "x", conv}));
  net.Output(net.Softmax(conv));
  net.Output(net.Transpose(net.Add(conv, conv), {0, 3, 1, 2}));
  std::mt19937 rng(11);
  const Tensor x = Random(rng, {2, 5, 7, 9});
  auto out = LoadAndRun(net, x);
  ASSERT_TRUE(out.ok()) << out.status();
  ExpectAllMatch(*out, net.Reference(x), net.outputs());
}

TEST(ChainTest, ReshapeAndFlattenOfConvOutputMatchReference) {
  ReferenceNet net(24024, {1, 5, 7, 9});
  const std::string conv = net.Conv("x", 17, {3, 3}, Padded(1, 2));
  net.Output(net.ReshapeToBatchRows(conv));
  net.Output(net.Flatten(conv));
  net.Output(net.Dense(net.ReshapeToBatchRows(net.Relu(conv)), 17 * 4 * 5, 6));
  std::mt19937 rng(5);
  for (int64_t batch : {1, 3}) {
    const Tensor x = Random(rng, {batch, 5, 7, 9});
    auto out = LoadAndRun(net, x);
    ASSERT_TRUE(out.ok()) << out.status();
    ExpectAllMatch(*out, net.Reference(x), net.outputs());
  }
}

TEST(ChainTest, NormalisationsAndPoolsOnConvOutputsMatchReference) {
  // AlexNet/GoogLeNet-style: Conv → LRN → MaxPool (ceil), Conv → BN → Relu,
  // AveragePool with count_include_pad and ceil mode on a blocked input.
  ReferenceNet net(25025, {1, 3, 23, 21});
  const std::string c1 = net.Relu(net.Conv("x", 20, {5, 5}, Padded(2, 2)));
  const std::string n1 =
      net.MaxPool(net.Lrn(c1, {5, 0.5f, 0.75f, 2.0f}), PoolWindow(3, 2, 0, true));
  const std::string c2 = net.Relu(net.BatchNorm(net.Conv(n1, 13, {3, 3}, Padded(1))));
  net.Output(n1);
  net.Output(c2);
  net.Output(
      net.AveragePool(c2, PoolWindow(3, 2, 1, /*ceil_mode=*/true, /*count_include_pad=*/true)));
  net.Output(
      net.AveragePool(c2, PoolWindow(3, 2, 1, /*ceil_mode=*/true, /*count_include_pad=*/false)));
  std::mt19937 rng(6);
  const Tensor x = Random(rng, {2, 3, 23, 21});
  auto out = LoadAndRun(net, x);
  ASSERT_TRUE(out.ok()) << out.status();
  ExpectAllMatch(*out, net.Reference(x), net.outputs());
}

TEST(ChainTest, FewChannelLayersOnPlainLayoutsMatchReference) {
  // LeNet-style, where a processor with AVX-512 runs Convoy's own kernels
  // (narrow_conv.h, plain_pool.h): a Conv from 1 to 6 channels, padded, with
  // its Relu after it, then a 2x2 AveragePool of its plain output and a
  // Conv from that; a Conv to 3 channels and a 2x2 MaxPool of an odd width.
  ReferenceNet net(27027, {1, 1, 28, 29});
  const std::string c1 = net.Relu(net.Conv("x", 6, {5, 5}, Padded(2)));
  const std::string p1 = net.AveragePool(c1, PoolWindow(2, 2, 0));
  net.Output(c1);
  net.Output(p1);
  net.Output(net.MaxPool(net.Relu(net.Conv(p1, 16, {5, 5})), PoolWindow(2, 2, 0)));
  net.Output(net.MaxPool(net.Conv("x", 3, {3, 3}, Padded(1)), PoolWindow(2, 2, 0)));
  std::mt19937 rng(7);
  for (int64_t batch : {1, 3}) {
    const Tensor x = Random(rng, {batch, 1, 28, 29});
    auto out = LoadAndRun(net, x);
    ASSERT_TRUE(out.ok()) << out.status();
    ExpectAllMatch(*out, net.Reference(x), net.outputs());
  }
}

TEST(ChainTest, PadAndArithmeticBetweenConvsMatchReference) {
  ReferenceNet net(26026, {1, 6, 8, 7});
  const std::string c1 = net.Conv("x", 16, {3, 3});
  const std::string padded = net.Pad(c1, {0, 0, 2, 1, 0, 0, 1, 2}, 0.5f);
  const std::string c2 = net.Conv(padded, 9, {3, 3}, Padded(0, 1, 1));
  const std::string scaled = net.ScaleChannels(c2);
  const std::string grouped = net.Conv(scaled, 9, {3, 3}, Padded(1, 1, 9));
  net.Output(net.Add(grouped, scaled));
  std::mt19937 rng(7);
  const Tensor x = Random(rng, {2, 6, 8, 7});
  auto out = LoadAndRun(net, x);
  ASSERT_TRUE(out.ok()) << out.status();
  ExpectAllMatch(*out, net.Reference(x), net.outputs());
}

}  // namespace
}  // namespace convoy::engine::testing
