// The plan cache under a memory budget: plans dropped to fit it are
// compiled again when needed, and results never change; plans being
// compiled count against it too, and failed compiles leave nothing. Plans prepared at
// load (ModelOptions::prepared_batch_sizes) fail the load if they cannot be
// compiled.
#include <cstring>
#include <random>
#include <thread>
#include <vector>

#include "engine/api/model.h"
#include "gtest/gtest.h"
#include "tests/engine/testing/onnx_builder.h"

namespace convoy::engine {
namespace {

Tensor RandomInput(int64_t batch, uint32_t seed) {
  std::mt19937 random(seed);
  std::normal_distribution<float> normal;
  std::vector<float> values(batch * 3 * 5 * 5);
  for (float& v : values) v = normal(random);
  return Tensor::FromFloats({batch, 3, 5, 5}, values);
}

std::unique_ptr<Model> Load(int64_t cache_bytes) {
  ModelOptions options;
  options.max_plan_cache_bytes = cache_bytes;
  auto model = Model::LoadFromBytes(testing::ConvReluModel().Serialize(), "conv_relu", options);
  EXPECT_TRUE(model.ok()) << model.status();
  return model.ok() ? *std::move(model) : nullptr;
}

bool SameBytes(const Tensor& a, const Tensor& b) {
  return a.shape() == b.shape() && std::memcmp(a.raw_data(), b.raw_data(), a.byte_size()) == 0;
}

TEST(PlanCacheTest, EvictedPlansAreRebuiltWithIdenticalResults) {
  std::unique_ptr<Model> roomy = Load(int64_t{1} << 30);
  std::unique_ptr<Model> tight = Load(1);  // Keeps only the plan in use.
  ASSERT_NE(roomy, nullptr);
  ASSERT_NE(tight, nullptr);
  for (int64_t batch : {1, 2, 3, 1, 2, 3, 4, 1}) {
    const Tensor input = RandomInput(batch, static_cast<uint32_t>(batch));
    auto want = roomy->Run({{"x", input}});
    auto got = tight->Run({{"x", input}});
    ASSERT_TRUE(want.ok()) << want.status();
    ASSERT_TRUE(got.ok()) << got.status();
    EXPECT_TRUE(SameBytes((*want)[0], (*got)[0])) << "batch " << batch;
  }
}

TEST(PlanCacheTest, ConcurrentRunsOfManyShapesUnderATinyBudget) {
  std::unique_ptr<Model> roomy = Load(int64_t{1} << 30);
  std::unique_ptr<Model> tight = Load(1);
  std::vector<Tensor> expected;
  for (int64_t batch = 1; batch <= 6; ++batch) {
    expected.push_back((*roomy->Run({{"x", RandomInput(batch, 7)}}))[0]);
  }
  std::vector<std::thread> threads;
  std::vector<int> mismatches(4, 0);
  for (int t = 0; t < 4; ++t) {
    threads.emplace_back([&, t] {
      for (int i = 0; i < 30; ++i) {
        const int64_t batch = 1 + (t + i) % 6;
        auto got = tight->Run({{"x", RandomInput(batch, 7)}});
        if (!got.ok() || !SameBytes((*got)[0], expected[batch - 1])) ++mismatches[t];
      }
    });
  }
  for (std::thread& thread : threads) thread.join();
  for (int t = 0; t < 4; ++t) EXPECT_EQ(mismatches[t], 0) << "thread " << t;
}

// A 3x3 convolution without padding over images of any size, as a fully
// convolutional network takes them: one plan per image size, and an image
// under 3 pixels on a side has no output, so its plan cannot be compiled.
std::unique_ptr<Model> LoadAnySize(int64_t cache_bytes) {
  testing::OnnxBuilder b;
  b.AddInput("x", {"N", 3, "H", "W"});
  b.AddInitializer("w", testing::Filled({4, 3, 3, 3}, 0.5f));
  b.AddNode("Conv", {"x", "w"}, {"c"});
  b.AddNode("Relu", {"c"}, {"y"});
  b.AddOutput("y");
  ModelOptions options;
  options.max_plan_cache_bytes = cache_bytes;
  auto model = Model::LoadFromBytes(b.Serialize(), "any_size", options);
  EXPECT_TRUE(model.ok()) << model.status();
  return model.ok() ? *std::move(model) : nullptr;
}

absl::StatusOr<std::vector<Tensor>> RunImage(const Model& model, int64_t height, int64_t width) {
  return model.Run({{"x", Tensor::FromFloats({1, 3, height, width},
                                             std::vector<float>(3 * height * width, 1.0f))}});
}

// Room for a few plans of the sizes below: a 24x24 image's takes 38 KB (its
// output in a layout of 16 channels).
constexpr int64_t kBudget = 64 << 10;

TEST(PlanCacheTest, AFloodOfImageSizesStaysWithinTheBudget) {
  std::unique_ptr<Model> model = LoadAnySize(kBudget);
  ASSERT_NE(model, nullptr);
  for (int64_t height = 3; height <= 24; ++height) {
    for (int64_t width : {3, 11, 24}) {
      ASSERT_TRUE(RunImage(*model, height, width).ok()) << height << "x" << width;
      const PlanCacheStats stats = model->plan_cache_stats();
      ASSERT_LE(stats.bytes, kBudget) << height << "x" << width;
      ASSERT_GE(stats.plans, 1);
    }
  }
  const PlanCacheStats stats = model->plan_cache_stats();
  EXPECT_LE(stats.peak_bytes, kBudget);
  EXPECT_LT(stats.plans, 66);  // Of the 66 sizes run, most were dropped.
}

TEST(PlanCacheTest, ConcurrentCompilesOfDistinctSizesReserveWithinTheBudget) {
  std::unique_ptr<Model> model = LoadAnySize(kBudget);
  ASSERT_NE(model, nullptr);
  std::vector<std::thread> threads;
  std::vector<int> failures(4, 0);
  for (int t = 0; t < 4; ++t) {
    threads.emplace_back([&, t] {
      for (int64_t height = 3 + t; height <= 24; height += 4) {
        for (int64_t width = 3; width <= 24; width += 3) {
          failures[t] += !RunImage(*model, height, width).ok();
        }
      }
    });
  }
  for (std::thread& thread : threads) thread.join();
  for (int t = 0; t < 4; ++t) EXPECT_EQ(failures[t], 0) << "thread " << t;
  EXPECT_LE(model->plan_cache_stats().peak_bytes, kBudget);
}

TEST(PlanCacheTest, ShapesThatCannotCompileLeaveNothingCached) {
  std::unique_ptr<Model> model = LoadAnySize(int64_t{1} << 30);
  ASSERT_NE(model, nullptr);
  ASSERT_TRUE(RunImage(*model, 5, 5).ok());
  ASSERT_EQ(model->plan_cache_stats().plans, 1);
  for (int64_t width = 1; width <= 40; ++width) {
    for (int64_t height : {1, 2}) {
      absl::StatusOr<std::vector<Tensor>> out = RunImage(*model, height, width);
      ASSERT_FALSE(out.ok()) << height << "x" << width;
      EXPECT_EQ(out.status().code(), absl::StatusCode::kInvalidArgument) << out.status();
    }
  }
  const PlanCacheStats stats = model->plan_cache_stats();
  EXPECT_EQ(stats.plans, 1);
  // And a failing shape asked for again fails again, rather than finding a
  // slot without a plan.
  EXPECT_FALSE(RunImage(*model, 2, 2).ok());
  EXPECT_EQ(model->plan_cache_stats().plans, 1);
}

TEST(PlanCacheTest, APlanLargerThanTheWholeBudgetRunsAndIsDropped) {
  std::unique_ptr<Model> model = LoadAnySize(1024);
  ASSERT_NE(model, nullptr);
  ASSERT_TRUE(RunImage(*model, 4, 4).ok());  // Within the budget: kept.
  EXPECT_EQ(model->plan_cache_stats().plans, 1);
  absl::StatusOr<std::vector<Tensor>> big = RunImage(*model, 30, 30);
  ASSERT_TRUE(big.ok()) << big.status();
  EXPECT_EQ((*big)[0].shape(), Shape({1, 4, 28, 28}));
  const PlanCacheStats stats = model->plan_cache_stats();
  EXPECT_EQ(stats.plans, 0);
  EXPECT_EQ(stats.bytes, 0);
}

absl::StatusOr<std::unique_ptr<Model>> LoadPrepared(std::vector<int64_t> sizes,
                                                    int64_t max_value_bytes) {
  ModelOptions options;
  options.prepared_batch_sizes = std::move(sizes);
  options.max_value_bytes = max_value_bytes;
  return Model::LoadFromBytes(testing::ConvReluModel().Serialize(), "conv_relu", options);
}

// conv_relu's largest value is the convolution's output, 4x5x5 floats (400
// bytes) per item: with a 2000-byte limit batch 5 fits and batch 6 does not.
TEST(PreparedPlansTest, ArePlannedAtLoadSoTheirErrorsComeThen) {
  EXPECT_TRUE(LoadPrepared({}, 2000).ok());
  EXPECT_TRUE(LoadPrepared({2, 5}, 2000).ok());
  absl::StatusOr<std::unique_ptr<Model>> too_big = LoadPrepared({2, 6}, 2000);
  ASSERT_FALSE(too_big.ok());
  EXPECT_EQ(too_big.status().code(), absl::StatusCode::kInvalidArgument);
  EXPECT_NE(too_big.status().message().find("preparing the plan for batch 6"), std::string::npos)
      << too_big.status();
  absl::StatusOr<std::unique_ptr<Model>> first_too_big = LoadPrepared({6}, 2000);
  ASSERT_FALSE(first_too_big.ok());
  EXPECT_NE(first_too_big.status().message().find("preparing the plan for batch 6"),
            std::string::npos)
      << first_too_big.status();
  absl::StatusOr<std::unique_ptr<Model>> zero = LoadPrepared({0}, 2000);
  ASSERT_FALSE(zero.ok());
  EXPECT_NE(zero.status().message().find("prepared_batch_sizes has 0"), std::string::npos)
      << zero.status();
}

// An export that wrote its batch size into a Reshape: the graph fits batch
// 2 only. The load checks the first prepared size, and batch 1 only when
// none is given, so a caller that runs batch 2 can load it.
TEST(PreparedPlansTest, TheLoadChecksTheFirstPreparedSizeOnly) {
  testing::OnnxBuilder b;
  b.AddInput("x", {"N", 4});
  b.AddInitializer("shape", Tensor::FromInt64s({3}, {2, 2, 2}));
  b.AddNode("Reshape", {"x", "shape"}, {"y"});
  b.AddOutput("y");
  const std::string bytes = b.Serialize();
  ModelOptions batch2;
  batch2.prepared_batch_sizes = {2};
  absl::StatusOr<std::unique_ptr<Model>> model = Model::LoadFromBytes(bytes, "reshape", batch2);
  ASSERT_TRUE(model.ok()) << model.status();
  auto out = (*model)->Run({{"x", Tensor::FromFloats({2, 4}, {0, 1, 2, 3, 4, 5, 6, 7})}});
  ASSERT_TRUE(out.ok()) << out.status();
  EXPECT_EQ((*out)[0].shape(), Shape({2, 2, 2}));
  EXPECT_EQ((*out)[0].data<float>()[7], 7.0f);

  EXPECT_FALSE(Model::LoadFromBytes(bytes, "reshape", {}).ok());
  ModelOptions then3;
  then3.prepared_batch_sizes = {2, 3};
  absl::StatusOr<std::unique_ptr<Model>> fails = Model::LoadFromBytes(bytes, "reshape", then3);
  ASSERT_FALSE(fails.ok());
  EXPECT_NE(fails.status().message().find("preparing the plan for batch 3"), std::string::npos)
      << fails.status();
}

TEST(PreparedPlansTest, GiveTheResultsOfPlansCompiledOnFirstUse) {
  absl::StatusOr<std::unique_ptr<Model>> prepared = LoadPrepared({3, 7}, int64_t{1} << 30);
  std::unique_ptr<Model> lazy = Load(int64_t{1} << 30);
  ASSERT_TRUE(prepared.ok()) << prepared.status();
  for (int64_t batch : {3, 7}) {
    const Tensor input = RandomInput(batch, 11);
    auto want = lazy->Run({{"x", input}});
    auto got = (*prepared)->Run({{"x", input}});
    ASSERT_TRUE(want.ok()) << want.status();
    ASSERT_TRUE(got.ok()) << got.status();
    EXPECT_TRUE(SameBytes((*want)[0], (*got)[0])) << "batch " << batch;
  }
}

}  // namespace
}  // namespace convoy::engine
