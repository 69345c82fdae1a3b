// The `preprocessing` and `classification` sections of config.pbtxt, through
// ParseModelConfig as a repository reads them.
#include <string>

#include "absl/status/statusor.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "repository/model_config.h"

namespace convoy::repository {
namespace {

using ::inference::ImagePreprocessing;
using ::testing::AllOf;
using ::testing::ElementsAre;
using ::testing::HasSubstr;

constexpr char kSource[] = "models/x/config.pbtxt";

// A batching RGB classifier; each test appends the section under test.
constexpr char kRgbModel[] = R"pb(
max_batch_size: 16
input [ { name: "input" data_type: TYPE_FP32 dims: [ 3, 224, 224 ] } ]
output [ { name: "logits" data_type: TYPE_FP32 dims: [ 1000 ] } ]
)pb";

absl::StatusOr<ModelConfigFile> Parse(const std::string& text) { return ParseModelConfig(text, kSource, "x"); }

template <typename... Fragments>
void ExpectInvalid(const std::string& text, Fragments... fragments) {
  absl::StatusOr<ModelConfigFile> result = Parse(text);
  ASSERT_FALSE(result.ok()) << text;
  EXPECT_EQ(result.status().code(), absl::StatusCode::kInvalidArgument) << result.status();
  EXPECT_THAT(std::string(result.status().message()), AllOf(HasSubstr(kSource), HasSubstr(fragments)...));
}

TEST(ConvoyConfigChecksTest, FillsPreprocessingDefaultsFromTheInput) {
  absl::StatusOr<ModelConfigFile> file = Parse(std::string(kRgbModel) + "preprocessing { mean: 0.5 }");
  ASSERT_TRUE(file.ok()) << file.status();
  const ImagePreprocessing& pre = file->config.preprocessing();
  EXPECT_EQ(pre.input(), "input");
  EXPECT_EQ(pre.color(), ImagePreprocessing::RGB);
  EXPECT_FLOAT_EQ(pre.scale(), 1.0f / 255.0f);
  EXPECT_THAT(pre.mean(), ElementsAre(0.5f, 0.5f, 0.5f));
  EXPECT_THAT(pre.std(), ElementsAre(1.0f, 1.0f, 1.0f));
  EXPECT_EQ(file->config.classification().multicrop(), 1);
}

TEST(ConvoyConfigChecksTest, AcceptsImageNetPreprocessing) {
  absl::StatusOr<ModelConfigFile> file = Parse(std::string(kRgbModel) + R"pb(
    preprocessing {
      color: BGR resize_shorter_side: 256
      mean: [ 0.485, 0.456, 0.406 ] std: [ 0.229, 0.224, 0.225 ]
    }
    classification { scores: LOGITS multicrop: 10 }
  )pb");
  ASSERT_TRUE(file.ok()) << file.status();
  EXPECT_EQ(file->config.preprocessing().color(), ImagePreprocessing::BGR);
  EXPECT_EQ(file->config.classification().multicrop(), 10);
}

TEST(ConvoyConfigChecksTest, GrayscaleInputDefaultsToGray) {
  absl::StatusOr<ModelConfigFile> file = Parse(R"pb(
    max_batch_size: 8
    input [ { name: "x" data_type: TYPE_FP32 dims: [ 1, 32, 32 ] } ]
    output [ { name: "y" data_type: TYPE_FP32 dims: [ 10 ] } ]
    preprocessing { pad: 2 }
  )pb");
  ASSERT_TRUE(file.ok()) << file.status();
  EXPECT_EQ(file->config.preprocessing().color(), ImagePreprocessing::GRAY);
  EXPECT_THAT(file->config.preprocessing().mean(), ElementsAre(0.0f));
}

TEST(ConvoyConfigChecksTest, RejectsPreprocessingOfUnfitInputs) {
  ExpectInvalid(R"pb(
    input [ { name: "input" data_type: TYPE_FP32 dims: [ 1, 3, 8, 8 ] } ]
    output [ { name: "y" data_type: TYPE_FP32 dims: [ 10 ] } ]
    preprocessing { })pb",
                "preprocessing: needs max_batch_size > 0");
  ExpectInvalid(std::string(kRgbModel) + "preprocessing { input: \"other\" }",
                "preprocessing.input: 'other' is not an input of the model");
  ExpectInvalid(R"pb(
    max_batch_size: 4
    input [ { name: "a" data_type: TYPE_FP32 dims: [ 3, 8, 8 ] },
            { name: "b" data_type: TYPE_FP32 dims: [ 3, 8, 8 ] } ]
    output [ { name: "y" data_type: TYPE_FP32 dims: [ 10 ] } ]
    preprocessing { })pb",
                "preprocessing.input: required: the model has 2 inputs");
  ExpectInvalid(R"pb(
    max_batch_size: 4
    input [ { name: "x" data_type: TYPE_FP32 dims: [ 4, 8, 8 ] } ]
    output [ { name: "y" data_type: TYPE_FP32 dims: [ 10 ] } ]
    preprocessing { })pb",
                "preprocessing.input: 'x' must be TYPE_FP32 with dims [C, H, W]", "it is TYPE_FP32 [4, 8, 8]");
  ExpectInvalid(R"pb(
    max_batch_size: 4
    input [ { name: "x" data_type: TYPE_FP32 dims: [ 3, -1, -1 ] } ]
    output [ { name: "y" data_type: TYPE_FP32 dims: [ 10 ] } ]
    preprocessing { })pb",
                "H, W fixed");
  ExpectInvalid(R"pb(
    max_batch_size: 4
    input [ { name: "x" data_type: TYPE_UINT8 dims: [ 3, 8, 8 ] } ]
    output [ { name: "y" data_type: TYPE_FP32 dims: [ 10 ] } ]
    preprocessing { })pb",
                "it is TYPE_UINT8");
}

TEST(ConvoyConfigChecksTest, RejectsBadPreprocessingValues) {
  const std::string model(kRgbModel);
  ExpectInvalid(model + "preprocessing { color: GRAY }", "preprocessing.color: GRAY does not fit an input of 3 channels");
  ExpectInvalid(model + "preprocessing { resize_shorter_side: -1 }", "preprocessing.resize_shorter_side: -1 is outside");
  ExpectInvalid(model + "preprocessing { resize_shorter_side: 100000 }", "resize_shorter_side: 100000 is outside [0, 8192]");
  ExpectInvalid(model + "preprocessing { resize_shorter_side: 200 pad: 10 }",
                "preprocessing.resize_shorter_side: 200 plus twice pad 10 is shorter than the input's 224 pixels");
  ExpectInvalid(model + "preprocessing { pad: -2 }", "preprocessing.pad: -2 is outside [0, 1024]");
  ExpectInvalid(model + "preprocessing { pad_value: 256 }", "preprocessing.pad_value: 256 is outside [0, 255]");
  ExpectInvalid(model + "preprocessing { scale: -1 }", "preprocessing.scale: must be a positive finite number");
  ExpectInvalid(model + "preprocessing { scale: inf }", "preprocessing.scale");
  ExpectInvalid(model + "preprocessing { mean: [ 1, 2 ] }", "preprocessing.mean: 2 values for an input of 3 channels");
  ExpectInvalid(model + "preprocessing { std: [ 1, 0, 1 ] }", "preprocessing.std[1]: 0 is not positive");
  ExpectInvalid(model + "preprocessing { std: [ 1, nan, 1 ] }", "preprocessing.std[1]: not a finite number");
  ExpectInvalid(model + "preprocessing { mean: [ inf ] }", "preprocessing.mean[0]: not a finite number");
}

TEST(ConvoyConfigChecksTest, RejectsBadMulticrop) {
  const std::string model(kRgbModel);
  ExpectInvalid(model + "classification { multicrop: 3 }", "classification.multicrop: 3 is not 1, 5 or 10");
  ExpectInvalid(model + "classification { multicrop: -10 }", "classification.multicrop: -10 is not 1, 5 or 10");
  ExpectInvalid(R"pb(
    max_batch_size: 8
    input [ { name: "x" data_type: TYPE_FP32 dims: [ 3, 8, 8 ] } ]
    output [ { name: "y" data_type: TYPE_FP32 dims: [ 10 ] } ]
    classification { multicrop: 10 })pb",
                "classification.multicrop: 10 crops of an image run as one batch, but max_batch_size is 8");
}

TEST(ConvoyConfigChecksTest, RejectsAMulticropDefaultTheInputCannotTake) {
  const std::string outputs = R"pb(
    max_batch_size: 16
    output [ { name: "y" data_type: TYPE_FP32 dims: [ 10 ] } ]
    classification { multicrop: 5 })pb";
  ExpectInvalid(outputs + R"pb(input [ { name: "x" data_type: TYPE_FP32 dims: [ 3, -1, -1 ] } ])pb",
                "classification.multicrop: 5 crops need exactly one TYPE_FP32 input of dims [C, H, W]",
                "input 'x' of TYPE_FP32 [3, -1, -1]");
  ExpectInvalid(outputs + R"pb(input [ { name: "x" data_type: TYPE_UINT8 dims: [ 3, 8, 8 ] } ])pb",
                "classification.multicrop: 5 crops", "input 'x' of TYPE_UINT8 [3, 8, 8]");
  ExpectInvalid(outputs + R"pb(input [ { name: "x" data_type: TYPE_FP32 dims: [ 64 ] } ])pb",
                "classification.multicrop: 5 crops", "input 'x' of TYPE_FP32 [64]");
  ExpectInvalid(outputs + R"pb(input [ { name: "a" data_type: TYPE_FP32 dims: [ 3, 8, 8 ] },
                                       { name: "b" data_type: TYPE_FP32 dims: [ 3, 8, 8 ] } ])pb",
                "classification.multicrop: 5 crops", "the model has 2 inputs");
  // Crops of fixed height and width, whatever the channels.
  EXPECT_TRUE(Parse(outputs + R"pb(input [ { name: "x" data_type: TYPE_FP32 dims: [ 3, 8, 8 ] } ])pb").ok());
  EXPECT_TRUE(Parse(outputs + R"pb(input [ { name: "x" data_type: TYPE_FP32 dims: [ 1, 28, 28 ] } ])pb").ok());
}

constexpr char kEnsemble[] = R"pb(
platform: "convoy_ensemble"
max_batch_size: 8
input [ { name: "x" data_type: TYPE_FP32 dims: [ 4 ] } ]
output [ { name: "p" data_type: TYPE_FP32 dims: [ 4 ] } ]
)pb";

TEST(ConvoyConfigChecksTest, CompletesAnEnsemble) {
  absl::StatusOr<ModelConfigFile> file = Parse(std::string(kEnsemble) + R"pb(
    ensemble { member { model_name: "a" } member { model_name: "b" weight: 2 } combine: WEIGHTED_MEAN })pb");
  ASSERT_TRUE(file.ok()) << file.status();
  EXPECT_EQ(file->config.backend(), "convoy");
  EXPECT_EQ(file->config.ensemble().member(0).weight(), 1.0f);
  EXPECT_EQ(file->config.ensemble().member(1).weight(), 2.0f);
  EXPECT_EQ(file->config.classification().scores(), inference::ModelClassification::PROBABILITIES);
}

TEST(ConvoyConfigChecksTest, RejectsBadEnsembles) {
  const std::string ensemble(kEnsemble);
  ExpectInvalid(ensemble, "ensemble.member: an ensemble needs at least one member");
  ExpectInvalid(ensemble + "ensemble { member { model_name: \"../a\" } }", "ensemble.member[0].model_name");
  ExpectInvalid(ensemble + "ensemble { member { model_name: \"x\" } }", "cannot contain itself");
  ExpectInvalid(ensemble + "ensemble { member { model_name: \"a\" } member { model_name: \"a\" } }",
                "ensemble.member[1]: 'a' is listed twice");
  ExpectInvalid(ensemble + "ensemble { member { model_name: \"a\" model_version: -1 } }",
                "ensemble.member[0].model_version: -1 is not a version");
  ExpectInvalid(ensemble + "ensemble { member { model_name: \"a\" weight: -1 } }",
                "ensemble.member[0].weight: -1 is not a weight");
  ExpectInvalid(ensemble + "ensemble { member { model_name: \"a\" } } preprocessing { }",
                "preprocessing: an ensemble has none of its own");
  ExpectInvalid(R"pb(
    platform: "convoy_ensemble"
    input [ { name: "x" data_type: TYPE_FP32 dims: [ 4 ] } ]
    output [ { name: "p" data_type: TYPE_FP32 dims: [ 4 ] } ]
    ensemble { member { model_name: "a" } })pb",
                "max_batch_size: an ensemble needs max_batch_size > 0");
  ExpectInvalid(R"pb(
    platform: "convoy_ensemble"
    max_batch_size: 8
    input [ { name: "x" data_type: TYPE_FP32 dims: [ 4 ] } ]
    output [ { name: "p" data_type: TYPE_FP32 dims: [ 2, 2 ] } ]
    ensemble { member { model_name: "a" } })pb",
                "output: an ensemble has exactly one output");
  ExpectInvalid(std::string(kRgbModel) + "ensemble { member { model_name: \"a\" } }",
                "ensemble: only for platform \"convoy_ensemble\"");
  absl::StatusOr<ModelConfigFile> onnx_backend =
      Parse(ensemble + "backend: \"onnxruntime\" ensemble { member { model_name: \"a\" } }");
  ASSERT_FALSE(onnx_backend.ok());
  EXPECT_THAT(std::string(onnx_backend.status().message()), HasSubstr("an ensemble runs in Convoy itself"));
}

TEST(ConvoyConfigChecksTest, RejectsUnknownColorName) {
  absl::StatusOr<ModelConfigFile> file = Parse(std::string(kRgbModel) + "preprocessing { color: CMYK }");
  ASSERT_FALSE(file.ok());
  EXPECT_THAT(std::string(file.status().message()), HasSubstr("CMYK"));
}

}  // namespace
}  // namespace convoy::repository
