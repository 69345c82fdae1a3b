// One Model, many runs: a plan per input shape (and per int64 input value)
// that does not disturb the others, run-time operands read on every run,
// concurrent callers, and what Run may be asked for.
#include <omp.h>

#include <random>
#include <string>
#include <thread>
#include <tuple>
#include <utility>
#include <vector>

#include "absl/status/statusor.h"
#include "engine/api/model.h"
#include "gtest/gtest.h"
#include "tests/engine/ops/op_test_util.h"
#include "tests/engine/ops/reference_net.h"
#include "tests/engine/testing/onnx_builder.h"
#include "tests/engine/testing/reference_ops.h"

namespace convoy::engine::testing {
namespace {

TEST(ModelRunTest, AlternatingBatchSizesUseIndependentPlans) {
  ResidualClassifier r;
  auto model = Model::LoadFromBytes(r.net.Serialize(), "residual.onnx", ModelOptions{});
  ASSERT_TRUE(model.ok()) << model.status();
  std::mt19937 rng(8);
  const Tensor first = Random(rng, {1, 3, 11, 13});
  std::vector<Tensor> first_result;
  for (int64_t batch : {1, 8, 3, 1}) {
    const Tensor x = batch == 1 ? first : Random(rng, {batch, 3, 11, 13});
    auto out = (*model)->Run({{"x", x}});
    ASSERT_TRUE(out.ok()) << "batch " << batch << ": " << out.status();
    ExpectAllMatch(*out, r.net.Reference(x), r.net.outputs());
    if (batch == 1 && first_result.empty()) {
      first_result = *out;
    } else if (batch == 1) {
      EXPECT_TRUE(BitwiseEqual((*out)[0], first_result[0])) << "batch 1 after batches 8 and 3";
    }
  }
}

// Runs `model` on each input `rounds` times from its own thread, all
// threads at once, and returns every result.
std::vector<std::vector<Tensor>> RunConcurrently(const Model& model,
                                                 const std::vector<Tensor>& inputs, int rounds) {
  std::vector<std::vector<Tensor>> results(inputs.size());
  std::vector<std::thread> threads;
  for (size_t t = 0; t < inputs.size(); ++t) {
    threads.emplace_back([&, t] {
      for (int i = 0; i < rounds; ++i) {
        auto out = model.Run({{"x", inputs[t]}});
        results[t].push_back(out.ok() ? (*out)[0] : Tensor());
      }
    });
  }
  for (std::thread& thread : threads) thread.join();
  return results;
}

void ExpectConcurrentRunsEqualSequential(const std::vector<Shape>& shapes) {
  ResidualClassifier r;
  auto model = Model::LoadFromBytes(r.net.Serialize(), "residual.onnx", ModelOptions{});
  ASSERT_TRUE(model.ok()) << model.status();
  std::mt19937 rng(9);
  std::vector<Tensor> inputs, sequential;
  for (const Shape& shape : shapes) {
    inputs.push_back(Random(rng, shape));
    auto out = (*model)->Run({{"x", inputs.back()}});
    ASSERT_TRUE(out.ok()) << out.status();
    sequential.push_back((*out)[0]);
  }
  const std::vector<std::vector<Tensor>> concurrent = RunConcurrently(**model, inputs, 20);
  for (size_t t = 0; t < inputs.size(); ++t) {
    for (size_t i = 0; i < concurrent[t].size(); ++i) {
      ASSERT_TRUE(BitwiseEqual(concurrent[t][i], sequential[t]))
          << "thread " << t << ", round " << i;
    }
  }
}

TEST(ModelRunTest, TwoThreadsSameShapeGetTheirOwnResults) {
  ExpectConcurrentRunsEqualSequential({{2, 3, 11, 13}, {2, 3, 11, 13}});
}

TEST(ModelRunTest, TwoThreadsDifferentShapesGetTheirOwnResults) {
  ExpectConcurrentRunsEqualSequential({{1, 3, 11, 13}, {4, 3, 11, 13}});
}

TEST(ModelRunTest, RunTimeOperandsAreReadOnEveryRun) {
  // Pad's value and Clip's bounds are graph inputs: the plan is reused, the
  // values are not.
  OnnxBuilder b;
  b.AddInput("x", {"N", 3, 4, 5});
  b.AddInput("value", {});
  b.AddInput("lo", {});
  b.AddInput("hi", {});
  const Ints pads = {0, 0, 1, 2, 0, 0, 2, 1};
  b.AddInitializer("pads", Int64Vector(pads));
  b.AddNode("Pad", {"x", "pads", "value"}, {"padded"});
  b.AddNode("Clip", {"x", "lo", "hi"}, {"clipped"});
  b.AddOutput("padded");
  b.AddOutput("clipped");
  auto model = Load(b, "runtime_operands");
  ASSERT_TRUE(model.ok()) << model.status();
  std::mt19937 rng(10);
  for (const auto& [value, lo, hi] : {std::tuple{1.5f, -0.5f, 0.5f}, std::tuple{-3.0f, 0.0f, 0.25f},
                                      std::tuple{0.0f, -2.0f, 2.0f}}) {
    const Tensor x = Random(rng, {2, 3, 4, 5});
    auto out =
        (*model)->Run({{"x", x}, {"value", Scalar(value)}, {"lo", Scalar(lo)}, {"hi", Scalar(hi)}});
    ASSERT_TRUE(out.ok()) << out.status();
    EXPECT_TRUE(MatchesReference((*out)[0], reference::Pad(x, pads, value))) << "value " << value;
    EXPECT_TRUE(MatchesReference((*out)[1], reference::Clip(x, lo, hi))) << lo << ".." << hi;
  }
}

TEST(ModelRunTest, Int64InputValuesSelectThePlan) {
  // An int64 input is folded into the plan, so each value gets its own.
  OnnxBuilder b;
  b.AddInput("x", {2, 3, 4});
  b.AddInput("shape", {2}, onnx::TensorProto::INT64);
  b.AddNode("Reshape", {"x", "shape"}, {"y"});
  b.AddOutput("y");
  auto model = Load(b, "int64_input");
  ASSERT_TRUE(model.ok()) << model.status();
  std::mt19937 rng(11);
  const Tensor x = Random(rng, {2, 3, 4});
  for (const auto& [target, expected] :
       {std::pair{Ints{6, 4}, Shape{6, 4}}, std::pair{Ints{4, -1}, Shape{4, 6}},
        std::pair{Ints{6, 4}, Shape{6, 4}}}) {
    auto out = (*model)->Run({{"x", x}, {"shape", Int64Vector(target)}});
    ASSERT_TRUE(out.ok()) << out.status();
    EXPECT_TRUE(MatchesReference((*out)[0], x.Reshaped(expected)));
  }
}

TEST(ModelRunTest, GraphInputsAndInitializersCanBeRequested) {
  std::mt19937 rng(12);
  const Tensor w = Random(rng, {4, 3, 1, 1});
  OnnxBuilder b;
  b.AddInput("x", {"N", 3, 2, 2});
  b.AddInitializer("w", w);
  b.AddNode("Conv", {"x", "w"}, {"y"});
  b.AddOutput("y");
  auto model = Load(b, "request_inputs");
  ASSERT_TRUE(model.ok()) << model.status();
  const Tensor x = Random(rng, {2, 3, 2, 2});
  auto out = (*model)->Run({{"x", x}}, RunOptions{{"w", "x", "y", "x"}});
  ASSERT_TRUE(out.ok()) << out.status();
  ASSERT_EQ(out->size(), 4u);
  EXPECT_TRUE(BitwiseEqual((*out)[0], w));
  EXPECT_TRUE(BitwiseEqual((*out)[1], x));
  EXPECT_TRUE(MatchesReference((*out)[2], reference::Conv(x, w, nullptr, {})));
  EXPECT_TRUE(BitwiseEqual((*out)[3], x));
}

// Plans are cached by the requested output names; {"a", "b"} and the single
// legal ONNX name "a|b" must not share a plan.
TEST(ModelRunTest, OutputNamesContainingTheSeparatorGetTheirOwnPlan) {
  OnnxBuilder b;
  b.AddInput("x", {2, 3});
  b.AddNode("Relu", {"x"}, {"a"});
  b.AddNode("Sigmoid", {"x"}, {"b"});
  b.AddNode("Tanh", {"x"}, {"a|b"});
  b.AddOutput("a|b");
  auto model = Load(b, "separator");
  ASSERT_TRUE(model.ok()) << model.status();
  std::mt19937 rng(13);
  const Tensor x = Random(rng, {2, 3});
  auto pair = (*model)->Run({{"x", x}}, RunOptions{{"a", "b"}});
  ASSERT_TRUE(pair.ok()) << pair.status();
  ASSERT_EQ(pair->size(), 2u);
  auto out = (*model)->Run({{"x", x}}, RunOptions{{"a|b"}});
  ASSERT_TRUE(out.ok()) << out.status();
  ASSERT_EQ(out->size(), 1u);
  EXPECT_TRUE(MatchesReference((*out)[0], reference::Tanh(x)));
}

// ModelOptions::num_threads is the team size for one run: it must not stick
// to the calling thread (OpenMP keeps the setting per thread), or it would
// govern every later run made from that thread.
TEST(ModelRunTest, NumThreadsDoesNotLeakIntoTheCallingThread) {
  const int before = omp_get_max_threads();
  ModelOptions options;
  options.num_threads = before == 1 ? 2 : 1;
  OnnxBuilder b;
  b.AddInput("x", {2, 3});
  b.AddNode("Relu", {"x"}, {"y"});
  b.AddOutput("y");
  auto model = Model::LoadFromBytes(b.Serialize(), "threads.onnx", options);
  ASSERT_TRUE(model.ok()) << model.status();
  std::mt19937 rng(14);
  ASSERT_TRUE((*model)->Run({{"x", Random(rng, {2, 3})}}).ok());
  EXPECT_EQ(omp_get_max_threads(), before);
  omp_set_num_threads(before);
}

// 3x3 convolutions run Winograd kernels unless ModelOptions::winograd is
// off; both ways match the reference, and they are different arithmetic.
TEST(ModelRunTest, WinogradAndDirectConvolutionsBothMatchTheReference) {
  std::mt19937 rng(12);
  const Tensor w = Random(rng, {64, 64, 3, 3}, -0.1f, 0.1f);
  const Tensor b = Random(rng, {64});
  const Tensor x = Random(rng, {8, 64, 14, 14});
  OnnxBuilder builder;
  builder.AddInput("x", {"N", 64, 14, 14});
  builder.AddInitializer("w", w);
  builder.AddInitializer("b", b);
  builder.AddNode("Conv", {"x", "w", "b"}, {"y"}, {IntsAttr("pads", {1, 1, 1, 1})});
  builder.AddOutput("y");
  reference::ConvParams pad1;
  pad1.pads = {1, 1, 1, 1};
  const Tensor expected = reference::Conv(x, w, &b, pad1);
  std::vector<Tensor> results;
  for (bool winograd : {true, false}) {
    ModelOptions options;
    options.winograd = winograd;
    auto model = Model::LoadFromBytes(builder.Serialize(), "conv3x3.onnx", options);
    ASSERT_TRUE(model.ok()) << model.status();
    auto out = (*model)->Run({{"x", x}});
    ASSERT_TRUE(out.ok()) << out.status();
    EXPECT_TRUE(MatchesReference((*out)[0], expected)) << "winograd " << winograd;
    results.push_back((*out)[0]);
  }
  EXPECT_FALSE(BitwiseEqual(results[0], results[1]))
      << "the same arithmetic with and without Winograd (or this CPU has no Winograd kernel)";
}

}  // namespace
}  // namespace convoy::engine::testing
