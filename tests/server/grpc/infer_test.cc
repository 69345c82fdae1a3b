// ModelInfer and the metadata RPCs over loopback, against the engine's own
// results, and the table of errors a careless client can cause.
#include <algorithm>
#include <cstring>
#include <fstream>
#include <functional>
#include <string>
#include <vector>

#include "absl/strings/str_cat.h"
#include "engine/api/model.h"
#include "engine/api/npy.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "tests/server/testing/server_fixture.h"

namespace convoy {
namespace {

using ::testing::ElementsAre;
using ::testing::HasSubstr;
using ::testing::SizeIs;
using testing::RunningServer;
using testing::ScaleModelConfig;
using testing::ScaleModelOnnx;
using testing::StartServer;
using testing::TestRepository;

class InferTest : public ::testing::Test {
 protected:
  void SetUp() override {
    ASSERT_FALSE(testing::ZooDir().empty()) << "CONVOY_ZOO_DIR not set: run through ctest";
    repository_.AddZooModel("lenet5-fmnist", "lenet5-fmnist");
    repository_.WriteFile("scale/config.pbtxt", ScaleModelConfig("scale"));
    repository_.WriteFile("scale/1/model.onnx", ScaleModelOnnx(2.0f));
    running_ = StartServer(repository_);
    ASSERT_NE(running_.client, nullptr);
  }

  inference::ModelInferRequest ScaleRequest(std::vector<float> values) {
    inference::ModelInferRequest request;
    request.set_model_name("scale");
    client::AddFp32Input(&request, "x", {static_cast<int64_t>(values.size() / 4), 4}, values);
    return request;
  }

  TestRepository repository_;
  RunningServer running_;
};

TEST_F(InferTest, ServerIsLiveReadyAndDescribesItself) {
  EXPECT_EQ(*running_.client->ServerLive(), true);
  EXPECT_EQ(*running_.client->ServerReady(), true);
  auto metadata = running_.client->ServerMetadata();
  ASSERT_TRUE(metadata.ok()) << metadata.status();
  EXPECT_EQ(metadata->name(), "convoy");
  EXPECT_THAT(metadata->extensions(), ::testing::Contains("classification"));
}

TEST_F(InferTest, ModelMetadataShowsTheBatchDimension) {
  auto metadata = running_.client->ModelMetadata("lenet5-fmnist");
  ASSERT_TRUE(metadata.ok()) << metadata.status();
  EXPECT_THAT(metadata->versions(), ElementsAre("1"));
  ASSERT_THAT(metadata->inputs(), SizeIs(1));
  EXPECT_EQ(metadata->inputs(0).name(), "input");
  EXPECT_EQ(metadata->inputs(0).datatype(), "FP32");
  EXPECT_THAT(metadata->inputs(0).shape(), ElementsAre(-1, 1, 32, 32));
  EXPECT_THAT(metadata->outputs(0).shape(), ElementsAre(-1, 10));
  auto config = running_.client->ModelConfig("lenet5-fmnist");
  ASSERT_TRUE(config.ok()) << config.status();
  EXPECT_EQ(config->max_batch_size(), 32);
  EXPECT_EQ(config->default_model_filename(), "model.onnx");
}

TEST_F(InferTest, ResultIsBitIdenticalToTheEngine) {
  const std::string dir = testing::ZooDir();
  auto input = engine::ReadNpy(dir + "/refs/lenet5-fmnist/input.npy");
  ASSERT_TRUE(input.ok()) << input.status();
  auto model = engine::Model::Load(dir + "/models/lenet5-fmnist/1/model.onnx", {});
  ASSERT_TRUE(model.ok()) << model.status();
  auto expected = (*model)->Run({{"input", *input}});
  ASSERT_TRUE(expected.ok()) << expected.status();

  inference::ModelInferRequest request;
  request.set_model_name("lenet5-fmnist");
  request.set_id("request-7");
  client::AddFp32Input(&request, "input", input->shape(), input->values<float>());
  auto response = running_.client->Infer(request);
  ASSERT_TRUE(response.ok()) << response.status();
  EXPECT_EQ(response->id(), "request-7");
  EXPECT_EQ(response->model_version(), "1");
  auto logits = client::GetFp32Output(*response, "logits");
  ASSERT_TRUE(logits.ok()) << logits.status();
  const engine::Tensor& want = (*expected)[0];
  EXPECT_EQ(logits->shape, want.shape());
  ASSERT_EQ(logits->values.size(), static_cast<size_t>(want.num_elements()));
  EXPECT_EQ(std::memcmp(logits->values.data(), want.raw_data(), want.byte_size()), 0);
}

TEST(FeatureOutputTest, ServesABackbonesPooledFeatures) {
  ASSERT_FALSE(testing::ZooDir().empty()) << "CONVOY_ZOO_DIR not set: run through ctest";
  const std::string dir = testing::ZooDir();
  constexpr char kFeatures[] = "/Flatten_output_0";  // resnet18's pooled 512 features.
  TestRepository repository;
  repository.AddZooModel("resnet18", "backbone",
                         absl::StrCat("name: \"backbone\"\nmax_batch_size: 4\n",
                                      "input [ { name: \"input\" data_type: TYPE_FP32 dims: [ 3, 224, 224 ] } ]\n",
                                      "output [ { name: \"", kFeatures, "\" data_type: TYPE_FP32 dims: [ 512 ] } ]\n"));
  RunningServer running = StartServer(repository);
  ASSERT_NE(running.client, nullptr);
  auto input = engine::ReadNpy(dir + "/refs/resnet18/input.npy");
  ASSERT_TRUE(input.ok()) << input.status();
  const engine::Tensor two =
      engine::Tensor::FromFloats({2, 3, 224, 224}, input->values<float>().subspan(0, 2 * 3 * 224 * 224));
  auto model = engine::Model::Load(dir + "/models/resnet18/1/model.onnx", {});
  ASSERT_TRUE(model.ok()) << model.status();
  auto expected = (*model)->Run({{"input", two}}, {{kFeatures}});
  ASSERT_TRUE(expected.ok()) << expected.status();

  inference::ModelInferRequest request;
  request.set_model_name("backbone");
  client::AddFp32Input(&request, "input", two.shape(), two.values<float>());
  auto response = running.client->Infer(request);
  ASSERT_TRUE(response.ok()) << response.status();
  auto features = client::GetFp32Output(*response, kFeatures);
  ASSERT_TRUE(features.ok()) << features.status();
  EXPECT_THAT(features->shape, ElementsAre(2, 512));
  const engine::Tensor& want = (*expected)[0];
  ASSERT_EQ(features->values.size(), static_cast<size_t>(want.num_elements()));
  EXPECT_EQ(std::memcmp(features->values.data(), want.raw_data(), want.byte_size()), 0);
}

TEST_F(InferTest, TypedContentsGiveTheSameResultAsRawBytes) {
  inference::ModelInferRequest typed;
  typed.set_model_name("scale");
  auto* input = typed.add_inputs();
  input->set_name("x");
  input->set_datatype("FP32");
  input->add_shape(1);
  input->add_shape(4);
  for (float v : {1.0f, -2.0f, 3.5f, 0.25f}) input->mutable_contents()->add_fp32_contents(v);
  auto typed_response = running_.client->Infer(typed);
  auto raw_response = running_.client->Infer(ScaleRequest({1.0f, -2.0f, 3.5f, 0.25f}));
  ASSERT_TRUE(typed_response.ok()) << typed_response.status();
  ASSERT_TRUE(raw_response.ok()) << raw_response.status();
  EXPECT_THAT(client::GetFp32Output(*typed_response, "y")->values,
              ElementsAre(2.0f, -4.0f, 7.0f, 0.5f));
  EXPECT_EQ(client::GetFp32Output(*raw_response, "y")->values,
            client::GetFp32Output(*typed_response, "y")->values);
}

TEST_F(InferTest, ClassificationReturnsTopKWithLabels) {
  const std::string dir = testing::ZooDir();
  auto input = engine::ReadNpy(dir + "/refs/lenet5-fmnist/input.npy");
  ASSERT_TRUE(input.ok()) << input.status();
  inference::ModelInferRequest request;
  request.set_model_name("lenet5-fmnist");
  client::AddFp32Input(&request, "input", input->shape(), input->values<float>());
  auto plain = running_.client->Infer(request);
  auto* output = request.add_outputs();
  output->set_name("logits");
  (*output->mutable_parameters())["classification"].set_int64_param(3);
  auto classified = running_.client->Infer(request);
  ASSERT_TRUE(plain.ok()) << plain.status();
  ASSERT_TRUE(classified.ok()) << classified.status();

  const int64_t batch = input->shape()[0];
  EXPECT_THAT(classified->outputs(0).shape(), ElementsAre(batch, 3));
  auto classes = client::GetBytesOutput(*classified, "logits");
  ASSERT_TRUE(classes.ok()) << classes.status();
  ASSERT_THAT(*classes, SizeIs(batch * 3));
  // The first entry of item 0 is its arg-max, with its label.
  const std::vector<float> logits = client::GetFp32Output(*plain, "logits")->values;
  const int best = static_cast<int>(
      std::max_element(logits.begin(), logits.begin() + 10) - logits.begin());
  std::vector<std::string> labels;
  std::ifstream file(dir + "/models/lenet5-fmnist/labels.txt");
  for (std::string line; std::getline(file, line);) labels.push_back(line);
  ASSERT_THAT(labels, SizeIs(10));
  EXPECT_THAT((*classes)[0], HasSubstr(absl::StrCat(":", best, ":")));
  EXPECT_THAT((*classes)[0], ::testing::EndsWith(":" + labels[best]))
      << "labels come from labels.txt";
}

// Each row: what the client got wrong, and the words the error must contain.
struct BadRequest {
  std::string name;
  std::function<void(inference::ModelInferRequest*)> spoil;
  absl::StatusCode code;
  std::string message;
};

class ErrorTableTest : public InferTest, public ::testing::WithParamInterface<BadRequest> {};

TEST_P(ErrorTableTest, GetsAPreciseStatus) {
  inference::ModelInferRequest request = ScaleRequest({1, 2, 3, 4, 5, 6, 7, 8});
  GetParam().spoil(&request);
  auto response = running_.client->Infer(request);
  ASSERT_FALSE(response.ok());
  EXPECT_EQ(response.status().code(), GetParam().code) << response.status();
  EXPECT_THAT(response.status().message(), HasSubstr(GetParam().message));
}

INSTANTIATE_TEST_SUITE_P(
    Errors, ErrorTableTest,
    ::testing::Values(
        BadRequest{"UnknownModel", [](auto* r) { r->set_model_name("nope"); },
                   absl::StatusCode::kNotFound, "unknown model 'nope'"},
        BadRequest{"UnknownVersion", [](auto* r) { r->set_model_version("9"); },
                   absl::StatusCode::kNotFound, "has no version 9"},
        BadRequest{"MalformedVersion", [](auto* r) { r->set_model_version("v1"); },
                   absl::StatusCode::kInvalidArgument, "'v1' is not a number"},
        BadRequest{"WrongInputName", [](auto* r) { r->mutable_inputs(0)->set_name("z"); },
                   absl::StatusCode::kInvalidArgument, "unknown input 'z'"},
        BadRequest{"MissingInput",
                   [](auto* r) {
                     r->clear_inputs();
                     r->clear_raw_input_contents();
                   },
                   absl::StatusCode::kInvalidArgument, "missing input 'x'"},
        BadRequest{"RepeatedInput",
                   [](auto* r) {
                     *r->add_inputs() = r->inputs(0);
                     *r->add_raw_input_contents() = r->raw_input_contents(0);
                   },
                   absl::StatusCode::kInvalidArgument, "'x' is given twice"},
        BadRequest{"WrongDatatype", [](auto* r) { r->mutable_inputs(0)->set_datatype("FP64"); },
                   absl::StatusCode::kInvalidArgument, "datatype 'FP64'"},
        BadRequest{"WrongRank", [](auto* r) { r->mutable_inputs(0)->add_shape(1); },
                   absl::StatusCode::kInvalidArgument, "expects [-1,4]"},
        BadRequest{"WrongDimension", [](auto* r) { r->mutable_inputs(0)->set_shape(1, 5); },
                   absl::StatusCode::kInvalidArgument, "expects [-1,4]"},
        BadRequest{"NegativeDimension", [](auto* r) { r->mutable_inputs(0)->set_shape(0, -2); },
                   absl::StatusCode::kInvalidArgument, "at least 1"},
        BadRequest{"ByteSizeMismatch",
                   [](auto* r) { r->mutable_raw_input_contents(0)->resize(31); },
                   absl::StatusCode::kInvalidArgument, "31 bytes"},
        BadRequest{"BatchTooLarge",
                   [](auto* r) {
                     r->mutable_inputs(0)->set_shape(0, 9);
                     r->mutable_raw_input_contents(0)->resize(9 * 16);
                   },
                   absl::StatusCode::kInvalidArgument, "above max_batch_size 8"},
        BadRequest{"RawAndTypedContentsMixed",
                   [](auto* r) {
                     r->mutable_inputs(0)->mutable_contents()->add_fp32_contents(1);
                   },
                   absl::StatusCode::kInvalidArgument, "raw_input_contents is used"},
        BadRequest{"UnknownOutput", [](auto* r) { r->add_outputs()->set_name("w"); },
                   absl::StatusCode::kInvalidArgument, "unknown output 'w'"},
        BadRequest{"BadClassificationParameter",
                   [](auto* r) {
                     auto* out = r->add_outputs();
                     out->set_name("y");
                     (*out->mutable_parameters())["classification"].set_string_param("3");
                   },
                   absl::StatusCode::kInvalidArgument, "'classification' must be an int64"}),
    [](const ::testing::TestParamInfo<BadRequest>& info) { return info.param.name; });

}  // namespace
}  // namespace convoy
