// Ensembles over the wire: combined probabilities equal to the members'
// own answers combined by hand (mean, weighted mean, majority vote), member
// outputs, composition with multi-crop and images, and the load-time checks
// that keep members interchangeable.
#include <algorithm>
#include <fstream>
#include <iterator>
#include <cmath>
#include <random>
#include <string>
#include <vector>

#include "absl/strings/str_cat.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "tests/engine/testing/test_images.h"
#include "tests/server/testing/score_expectations.h"
#include "tests/engine/testing/onnx_builder.h"
#include "tests/server/testing/server_fixture.h"

namespace convoy {
namespace {

using ::testing::HasSubstr;
using ::testing::SizeIs;
using testing::ExpectNear;
using testing::RunningServer;
using testing::ScaleModelConfig;
using testing::ScaleModelOnnx;
using testing::Softmax;
using testing::StartServer;
using testing::TestRepository;

constexpr char kLabels[] = "a\nb\nc\nd\n";

// A scale model (y = x * scale, 4 classes) with labels.
void AddScaleMember(const TestRepository& repository, const std::string& name, float scale) {
  repository.WriteFile(name + "/config.pbtxt",
                       absl::StrCat("name: \"", name, "\"\nplatform: \"onnxruntime_onnx\"\nmax_batch_size: 8\n",
                                    "input [ { name: \"x\" data_type: TYPE_FP32 dims: [ 4 ] } ]\n",
                                    "output [ { name: \"y\" data_type: TYPE_FP32 dims: [ 4 ] ",
                                    "label_filename: \"labels.txt\" } ]\ndynamic_batching { }\n"));
  repository.WriteFile(name + "/labels.txt", kLabels);
  repository.WriteFile(name + "/1/model.onnx", ScaleModelOnnx(scale));
}

std::string EnsembleConfig(const std::string& name, const std::string& members, const std::string& combine = "MEAN",
                           const std::string& extra = "") {
  return absl::StrCat("name: \"", name, "\"\nplatform: \"convoy_ensemble\"\nmax_batch_size: 8\n",
                      "input [ { name: \"x\" data_type: TYPE_FP32 dims: [ 4 ] } ]\n",
                      "output [ { name: \"probabilities\" data_type: TYPE_FP32 dims: [ 4 ] } ]\n",
                      "ensemble { ", members, " combine: ", combine, " }\n", extra);
}

std::string Member(const std::string& name, float weight = 0) {
  return absl::StrCat("member { model_name: \"", name, "\"", weight > 0 ? absl::StrCat(" weight: ", weight) : "",
                      " } ");
}

const std::vector<float> kInput = {0.1f, 0.9f, -0.4f, 0.3f, /* item 1 */ 2.0f, -1.0f, 0.5f, 0.25f};

class EnsembleTest : public ::testing::Test {
 protected:
  void SetUp() override {
    AddScaleMember(repository_, "one", 1.0f);
    AddScaleMember(repository_, "two", 2.0f);
    AddScaleMember(repository_, "minus", -1.0f);
    repository_.WriteFile("mean/config.pbtxt", EnsembleConfig("mean", Member("one") + Member("two") + Member("minus")));
    repository_.WriteFile("weighted/config.pbtxt",
                          EnsembleConfig("weighted", Member("one", 1) + Member("two", 3), "WEIGHTED_MEAN"));
    repository_.WriteFile("vote/config.pbtxt",
                          EnsembleConfig("vote", Member("one") + Member("two") + Member("minus"), "MAJORITY_VOTE"));
    running_ = StartServer(repository_, server::ModelControlMode::kExplicit, ExplicitAll());
    ASSERT_NE(running_.client, nullptr);
  }

  static server::ServerOptions ExplicitAll() {
    server::ServerOptions options;
    options.models.startup_models = {"*"};
    return options;
  }

  absl::StatusOr<client::Fp32Output> Output(const std::string& model, const std::string& output,
                                            const std::vector<std::string>& requested = {}) {
    inference::ModelInferRequest request;
    request.set_model_name(model);
    client::AddFp32Input(&request, "x", {2, 4}, kInput);
    for (const std::string& name : requested) request.add_outputs()->set_name(name);
    absl::StatusOr<inference::ModelInferResponse> response = running_.client->Infer(request);
    if (!response.ok()) return response.status();
    return client::GetFp32Output(*response, output);
  }

  // Each member's probabilities, asked of the member itself: [2 x 4].
  std::vector<float> MemberProbabilities(const std::string& member) {
    absl::StatusOr<client::Fp32Output> logits = Output(member, "y");
    EXPECT_TRUE(logits.ok()) << logits.status();
    std::vector<float> out;
    for (int n = 0; n < 2; ++n) {
      std::vector<float> row = Softmax({logits->values.begin() + 4 * n, logits->values.begin() + 4 * n + 4});
      out.insert(out.end(), row.begin(), row.end());
    }
    return out;
  }

  TestRepository repository_;
  RunningServer running_;
};

TEST_F(EnsembleTest, MeanIsTheMeanOfTheMembersOwnProbabilities) {
  const std::vector<float> one = MemberProbabilities("one");
  const std::vector<float> two = MemberProbabilities("two");
  const std::vector<float> minus = MemberProbabilities("minus");
  std::vector<float> expected(8);
  for (int i = 0; i < 8; ++i) expected[i] = (one[i] + two[i] + minus[i]) / 3;
  absl::StatusOr<client::Fp32Output> combined = Output("mean", "probabilities");
  ASSERT_TRUE(combined.ok()) << combined.status();
  EXPECT_THAT(combined->shape, ::testing::ElementsAre(2, 4));
  ExpectNear(combined->values, expected, 1e-5f);
}

TEST_F(EnsembleTest, WeightedMeanUsesTheWeights) {
  const std::vector<float> one = MemberProbabilities("one");
  const std::vector<float> two = MemberProbabilities("two");
  std::vector<float> expected(8);
  for (int i = 0; i < 8; ++i) expected[i] = (1 * one[i] + 3 * two[i]) / 4;
  absl::StatusOr<client::Fp32Output> combined = Output("weighted", "probabilities");
  ASSERT_TRUE(combined.ok()) << combined.status();
  ExpectNear(combined->values, expected, 1e-5f);
}

TEST_F(EnsembleTest, MajorityVoteGivesEachClassItsShareOfVotes) {
  // "one" and "two" pick the largest input, "minus" the smallest.
  absl::StatusOr<client::Fp32Output> votes = Output("vote", "probabilities");
  ASSERT_TRUE(votes.ok()) << votes.status();
  const float third = 1.0f / 3;
  ExpectNear(votes->values, {0, 2 * third, third, 0, /* item 1 */ 2 * third, third, 0, 0}, 1e-6f);
}

TEST_F(EnsembleTest, MemberOutputsCanBeRequestedBesideTheCombination) {
  absl::StatusOr<client::Fp32Output> doubled = Output("mean", "two/y", {"probabilities", "two/y"});
  ASSERT_TRUE(doubled.ok()) << doubled.status();
  std::vector<float> expected = kInput;
  for (float& v : expected) v *= 2;
  ExpectNear(doubled->values, expected, 1e-6f);
  // The member's output alone, without the combination.
  EXPECT_TRUE(Output("mean", "minus/y", {"minus/y"}).ok());
}

TEST_F(EnsembleTest, ClassifiesWithTheMembersLabels) {
  inference::ModelInferRequest request;
  request.set_model_name("mean");
  client::AddFp32Input(&request, "x", {2, 4}, kInput);
  auto* output = request.add_outputs();
  output->set_name("probabilities");
  (*output->mutable_parameters())["classification"].set_int64_param(1);
  auto response = running_.client->Infer(request);
  ASSERT_TRUE(response.ok()) << response.status();
  auto top = client::GetBytesOutput(*response, "probabilities");
  ASSERT_TRUE(top.ok()) << top.status();
  ASSERT_THAT(*top, SizeIs(2));
  EXPECT_THAT((*top)[0], ::testing::EndsWith(":b"));
}

TEST_F(EnsembleTest, CountsTheRequestOnTheEnsembleAndEachMember) {
  ASSERT_TRUE(Output("mean", "probabilities").ok());
  for (const char* model : {"mean", "one", "two", "minus"}) {
    auto statistics = running_.client->ModelStatistics(model);
    ASSERT_TRUE(statistics.ok()) << statistics.status();
    EXPECT_EQ(statistics->model_stats(0).inference_stats().success().count(), 1) << model;
    EXPECT_EQ(statistics->model_stats(0).inference_count(), 2) << model;
  }
}

TEST_F(EnsembleTest, AnUnloadedMemberMakesTheEnsembleUnavailable) {
  ASSERT_TRUE(running_.client->UnloadModel("two").ok());
  absl::StatusOr<client::Fp32Output> combined = Output("mean", "probabilities");
  ASSERT_FALSE(combined.ok());
  EXPECT_EQ(combined.status().code(), absl::StatusCode::kUnavailable);
  EXPECT_THAT(std::string(combined.status().message()), HasSubstr("member 'two' is not available"));
  ASSERT_TRUE(running_.client->LoadModel("two").ok());
  EXPECT_TRUE(Output("mean", "probabilities").ok());
}

TEST_F(EnsembleTest, AMemberReloadedWithOtherClassesIsRefusedNotCombined) {
  // "two" comes back with 5 classes; the ensemble was checked for 4.
  engine::testing::OnnxBuilder b;
  b.AddInput("x", {"N", 4});
  b.AddInitializer("w", engine::testing::Filled({4, 5}, 0.5f));
  b.AddNode("MatMul", {"x", "w"}, {"y"});
  b.AddOutput("y");
  repository_.WriteFile("two/1/model.onnx", b.Serialize());
  repository_.WriteFile("two/labels.txt", "a\nb\nc\nd\ne\n");
  repository_.WriteFile("two/config.pbtxt",
                        "name: \"two\"\nplatform: \"onnxruntime_onnx\"\nmax_batch_size: 8\n"
                        "input [ { name: \"x\" data_type: TYPE_FP32 dims: [ 4 ] } ]\n"
                        "output [ { name: \"y\" data_type: TYPE_FP32 dims: [ 5 ] label_filename: \"labels.txt\" } ]\n");
  ASSERT_TRUE(running_.client->LoadModel("two").ok());
  absl::StatusOr<client::Fp32Output> combined = Output("mean", "probabilities");
  ASSERT_FALSE(combined.ok());
  EXPECT_EQ(combined.status().code(), absl::StatusCode::kUnavailable);
  EXPECT_THAT(std::string(combined.status().message()),
              HasSubstr("member 'two' version 1 no longer gives 4 class scores as output 'y'"));
  EXPECT_TRUE(Output("weighted", "probabilities").status().code() == absl::StatusCode::kUnavailable);
  EXPECT_TRUE(Output("two", "y").ok());  // The member itself serves.
}

// Two differently trained LeNet-5s (the zoo's Fashion-MNIST one, and its
// seeded untrained sibling relabelled) that take the same images.
std::string LenetConfig(const std::string& name) {
  return absl::StrCat("name: \"", name, "\"\nplatform: \"onnxruntime_onnx\"\nmax_batch_size: 32\n",
                      "input [ { name: \"input\" data_type: TYPE_FP32 dims: [ 1, 32, 32 ] } ]\n",
                      "output [ { name: \"logits\" data_type: TYPE_FP32 dims: [ 10 ] label_filename: \"labels.txt\" } ]\n",
                      "dynamic_batching { }\npreprocessing { pad: 4 mean: 0.3 std: 0.35 }\n");
}

TEST(EnsembleImageTest, MulticropComposesWithTheEnsemble) {
  ASSERT_FALSE(testing::ZooDir().empty()) << "CONVOY_ZOO_DIR not set: run through ctest";
  TestRepository repository;
  repository.AddZooModel("lenet5-fmnist", "trained", LenetConfig("trained"));
  repository.AddZooModel("lenet5", "seeded", LenetConfig("seeded"));
  repository.Remove("seeded/labels.txt");
  repository.AddZooModel("lenet5-fmnist", "labels-source");  // Only for its labels file.
  std::string labels;
  {
    std::ifstream in(repository.root() + "/labels-source/labels.txt");
    labels.assign(std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>());
  }
  repository.Remove("labels-source");
  repository.WriteFile("seeded/labels.txt", labels);
  repository.WriteFile("both/config.pbtxt",
                       absl::StrCat("name: \"both\"\nplatform: \"convoy_ensemble\"\nmax_batch_size: 32\n",
                                    "input [ { name: \"input\" data_type: TYPE_FP32 dims: [ 1, 32, 32 ] } ]\n",
                                    "output [ { name: \"probabilities\" data_type: TYPE_FP32 dims: [ 10 ] } ]\n",
                                    "ensemble { ", Member("trained"), Member("seeded"), "}\n"));
  RunningServer running = StartServer(repository);
  ASSERT_NE(running.client, nullptr);

  std::mt19937 rng(3);
  const std::vector<std::string> files = {
      engine::testing_images::EncodePng(engine::testing_images::RandomImage(rng, 28, 28, 1)),
      engine::testing_images::EncodePng(engine::testing_images::RandomImage(rng, 28, 28, 1))};
  auto ten_crop = [&](const std::string& model, const std::string& output) {
    inference::ModelInferRequest request;
    request.set_model_name(model);
    client::AddBytesInput(&request, "input", files);
    (*request.mutable_parameters())["multicrop"].set_int64_param(10);
    request.add_outputs()->set_name(output);
    auto response = running.client->Infer(request);
    EXPECT_TRUE(response.ok()) << response.status();
    auto values = client::GetFp32Output(*response, output);
    EXPECT_TRUE(values.ok()) << values.status();
    return values.ok() ? values->values : std::vector<float>{};
  };
  const std::vector<float> trained = ten_crop("trained", "logits");
  const std::vector<float> seeded = ten_crop("seeded", "logits");
  ASSERT_THAT(trained, SizeIs(20));
  std::vector<float> expected(20);
  for (int i = 0; i < 20; ++i) expected[i] = (trained[i] + seeded[i]) / 2;
  ExpectNear(ten_crop("both", "probabilities"), expected, 1e-5f);
}

TEST(EnsembleLoadTest, RefusesMembersThatDoNotFitAndKeepsServingTheRest) {
  TestRepository repository;
  AddScaleMember(repository, "one", 1.0f);
  AddScaleMember(repository, "relabelled", 2.0f);
  repository.WriteFile("relabelled/labels.txt", "a\nb\nC\nd\n");
  repository.WriteFile("plain/config.pbtxt", ScaleModelConfig("plain", "dynamic_batching { }"));
  repository.WriteFile("plain/1/model.onnx", ScaleModelOnnx(1.0f));
  repository.WriteFile("good/config.pbtxt", EnsembleConfig("good", Member("one") + Member("plain")));
  repository.WriteFile("labels/config.pbtxt", EnsembleConfig("labels", Member("one") + Member("relabelled")));
  repository.WriteFile("missing/config.pbtxt", EnsembleConfig("missing", Member("one") + Member("absent")));
  repository.WriteFile("nested/config.pbtxt", EnsembleConfig("nested", Member("good")));
  repository.WriteFile("classes/config.pbtxt",
                       absl::StrCat("name: \"classes\"\nplatform: \"convoy_ensemble\"\nmax_batch_size: 8\n",
                                    "input [ { name: \"x\" data_type: TYPE_FP32 dims: [ 4 ] } ]\n",
                                    "output [ { name: \"p\" data_type: TYPE_FP32 dims: [ 10 ] } ]\n",
                                    "ensemble { ", Member("one"), "}\n"));
  RunningServer running = StartServer(repository);
  ASSERT_NE(running.client, nullptr);
  auto index = running.client->RepositoryIndex();
  ASSERT_TRUE(index.ok()) << index.status();
  auto reason_of = [&](const std::string& name) {
    for (const auto& model : index->models()) {
      if (model.name() == name) return absl::StrCat(model.state(), ": ", model.reason());
    }
    return std::string("absent from the index");
  };
  EXPECT_THAT(reason_of("good"), HasSubstr("READY"));
  EXPECT_THAT(reason_of("labels"), HasSubstr("member 'relabelled' has other labels than 'one''s: line 3 is 'C' instead of 'c'"));
  EXPECT_THAT(reason_of("missing"), HasSubstr("ensemble member 'absent' is not served"));
  EXPECT_THAT(reason_of("nested"), HasSubstr("is an ensemble itself"));
  EXPECT_THAT(reason_of("classes"), HasSubstr("the ensemble has 10 classes"));
  EXPECT_THAT(reason_of("one"), HasSubstr("READY"));
}

}  // namespace
}  // namespace convoy
