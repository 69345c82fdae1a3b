// RunBatch and PlanSizes: a batch of a size met for the first times runs as
// parts of sizes with plans, and its requests get the same answers.
#include "server/core/batch_runner.h"

#include <memory>
#include <string>
#include <utility>
#include <vector>

#include "engine/api/model.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "server/core/inference_task.h"
#include "server/core/plan_sizes.h"
#include "tests/engine/testing/onnx_builder.h"
#include "tests/server/testing/test_repository.h"

namespace convoy::server {
namespace {

using ::testing::ElementsAre;
using ::testing::ElementsAreArray;
using ::testing::HasSubstr;

TEST(PlanSizesTest, PreparedSizesAndBatchOneRunWhole) {
  PlanSizes sizes(16, {8, 0, 17});  // 0 and 17 are out of range: ignored.
  EXPECT_THAT(sizes.Runs(8), ElementsAre(8));
  EXPECT_THAT(sizes.Runs(1), ElementsAre(1));
  EXPECT_THAT(sizes.Runs(17), ElementsAre(17)) << "beyond max_batch_size: not ours to split";
}

TEST(PlanSizesTest, ASizeMetForTheFirstTimesRunsAsPartsWithPlans) {
  PlanSizes sizes(16, {1, 4});
  EXPECT_THAT(sizes.Runs(11), ElementsAre(4, 4, 1, 1, 1));
  EXPECT_THAT(sizes.Runs(3), ElementsAre(1, 1, 1));
}

TEST(PlanSizesTest, ASizeRunsWholeFromItsLastMeetingBeforeCompilingOn) {
  PlanSizes sizes(16, {1, 8});
  for (int meeting = 1; meeting < PlanSizes::kRunsBeforeCompiling; ++meeting) {
    EXPECT_THAT(sizes.Runs(9), ElementsAre(8, 1)) << "meeting " << meeting;
  }
  EXPECT_THAT(sizes.Runs(9), ElementsAre(9));
  EXPECT_THAT(sizes.Runs(9), ElementsAre(9));
  // 9 now has a plan: 10 can use it.
  EXPECT_THAT(sizes.Runs(10), ElementsAre(9, 1));
}

// A batch of tasks of `sizes` items of x [items, 4], item i of the batch
// filled with i; every task records its rows of "y".
class RunBatchTest : public ::testing::Test {
 protected:
  void Load(const std::string& onnx, std::vector<int64_t> prepared) {
    engine::ModelOptions options;
    options.prepared_batch_sizes = std::move(prepared);
    auto model = engine::Model::LoadFromBytes(onnx, "m.onnx", options);
    ASSERT_TRUE(model.ok()) << model.status();
    model_ = *std::move(model);
  }

  // Runs the batch and returns each task's "y" rows, flattened; the
  // requests that fail leave theirs empty and their status in failures_.
  std::vector<std::vector<float>> Run(const std::vector<int64_t>& sizes, PlanSizes* plan_sizes,
                                      std::vector<std::string> outputs = {"y"}) {
    std::vector<QueuedTask> batch;
    std::vector<std::vector<float>> answers(sizes.size());
    float item = 0;
    for (size_t t = 0; t < sizes.size(); ++t) {
      InferenceRequest request;
      request.batch_size = sizes[t];
      engine::Tensor x(engine::DataType::kFloat32, {sizes[t], 4});
      for (int64_t i = 0; i < sizes[t] * 4; ++i) x.data<float>()[i] = item + static_cast<float>(i / 4);
      item += static_cast<float>(sizes[t]);
      request.inputs.push_back({"x", std::move(x)});
      request.output_names = outputs;
      auto done = [this, &answers, t](absl::Status status, InferenceResult result) {
        if (!status.ok()) {
          failures_.push_back(status);
          return;
        }
        const engine::Tensor& y = *result.Output("y");
        const int64_t row = y.num_elements() / y.shape()[0];
        const float* first = y.data<float>() + result.offset * row;
        answers[t].assign(first, first + result.count * row);
      };
      batch.push_back({std::make_unique<InferenceTask>(std::move(request), absl::Now(), done), absl::Now()});
    }
    BatchDelivery delivery;
    RunBatch(*model_, /*batched=*/true, std::move(batch), RealClock(), &statistics_, delivery, nullptr, plan_sizes);
    return answers;
  }

  std::unique_ptr<engine::Model> model_;
  ModelStatistics statistics_;
  std::vector<absl::Status> failures_;
};

// Executions recorded, from the statistics' proto.
uint64_t Executions(const ModelStatistics& statistics) {
  inference::ModelStatistics proto;
  statistics.ToProto(&proto);
  return proto.execution_count();
}

// Item i of the batch scaled by 2, per task.
std::vector<std::vector<float>> Doubled(const std::vector<int64_t>& sizes) {
  std::vector<std::vector<float>> expected;
  float item = 0;
  for (int64_t size : sizes) {
    std::vector<float>& rows = expected.emplace_back();
    for (int64_t i = 0; i < size; ++i, ++item) rows.insert(rows.end(), 4, 2 * item);
  }
  return expected;
}

TEST_F(RunBatchTest, ABatchOfANewSizeRunsInPartsWithoutCompiling) {
  Load(testing::ScaleModelOnnx(2.0f), {1, 4});
  ASSERT_EQ(model_->plan_cache_stats().plans, 2);
  PlanSizes plan_sizes(16, {1, 4});
  const std::vector<int64_t> sizes = {2, 3, 4};  // 9 items: 4 + 4 + 1, across the tasks.
  EXPECT_THAT(Run(sizes, &plan_sizes), ElementsAreArray(Doubled(sizes)));
  EXPECT_EQ(model_->plan_cache_stats().plans, 2) << "no plan for 9";
  EXPECT_EQ(Executions(statistics_), 1u) << "one batch, whatever its runs";

  for (int meeting = 2; meeting <= PlanSizes::kRunsBeforeCompiling; ++meeting) {
    EXPECT_THAT(Run(sizes, &plan_sizes), ElementsAreArray(Doubled(sizes)));
  }
  EXPECT_EQ(model_->plan_cache_stats().plans, 3) << "9 met often enough to compile";
}

TEST_F(RunBatchTest, WithoutPlanSizesABatchRunsWhole) {
  Load(testing::ScaleModelOnnx(2.0f), {1});
  const std::vector<int64_t> sizes = {2, 3};
  EXPECT_THAT(Run(sizes, nullptr), ElementsAreArray(Doubled(sizes)));
  EXPECT_EQ(model_->plan_cache_stats().plans, 2);
}

TEST_F(RunBatchTest, AnOutputWithoutARowPerItemFailsTheBatchNamingIt) {
  // y = x * 2, and m = the mean over the batch, [1, 4] at any batch size:
  // it matches a config at batch 1, but no request's rows can be cut from it.
  engine::testing::OnnxBuilder b;
  b.AddInput("x", {"N", 4});
  b.AddInitializer("scale", engine::testing::Filled({4}, 2.0f));
  b.AddNode("Mul", {"x", "scale"}, {"y"});
  onnx::NodeProto& mean = b.AddNode("ReduceMean", {"y"}, {"m"});
  onnx::AttributeProto* axes = mean.add_attribute();
  axes->set_name("axes");
  axes->set_type(onnx::AttributeProto::INTS);
  axes->add_ints(0);
  b.AddOutput("y");
  b.AddOutput("m");
  Load(b.Serialize(), {1, 4});
  PlanSizes plan_sizes(16, {1, 4});
  for (const bool in_parts : {false, true}) {
    // 1 + 3 items: a prepared size, run whole; 2 + 3 + 4 items: a new
    // size, run as 4 + 4 + 1.
    const std::vector<int64_t> sizes = in_parts ? std::vector<int64_t>{2, 3, 4} : std::vector<int64_t>{1, 3};
    Run(sizes, &plan_sizes, {"y", "m"});
    ASSERT_EQ(failures_.size(), sizes.size()) << "in parts: " << in_parts;
    for (const absl::Status& failure : failures_) {
      EXPECT_EQ(failure.code(), absl::StatusCode::kInternal);
      EXPECT_THAT(failure.message(), HasSubstr("output 'm' has shape [1,4] for a batch of"));
    }
    failures_.clear();
  }
  // Asked only for y, the same batches are answered.
  EXPECT_THAT(Run({1, 3}, &plan_sizes), ElementsAreArray(Doubled({1, 3})));
  EXPECT_THAT(Run({2, 3, 4}, &plan_sizes), ElementsAreArray(Doubled({2, 3, 4})));
  EXPECT_TRUE(failures_.empty());
}

}  // namespace
}  // namespace convoy::server
