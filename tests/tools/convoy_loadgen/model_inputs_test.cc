// --shape NAME:D1,D2,... as perf_analyzer means it: parsed strictly, and
// checked against the model's inputs, errors naming what is wrong.
#include "tools/convoy_loadgen/model_inputs.h"

#include <string>
#include <vector>

#include "gmock/gmock.h"
#include "gtest/gtest.h"

namespace convoy {
namespace {

using ::testing::ElementsAre;
using ::testing::HasSubstr;

// ModelMetadata as a batching server gives it: a leading -1 on every input.
inference::ModelMetadataResponse Metadata(bool batched = true) {
  inference::ModelMetadataResponse metadata;
  metadata.set_name("m");
  auto add = [&](const std::string& name, const std::string& datatype, std::vector<int64_t> dims) {
    auto* input = metadata.add_inputs();
    input->set_name(name);
    input->set_datatype(datatype);
    if (batched) input->add_shape(-1);
    for (int64_t dim : dims) input->add_shape(dim);
  };
  add("image", "FP32", {3, -1, -1});
  add("ids", "INT64", {4});
  return metadata;
}

std::string Error(const absl::Status& status) { return std::string(status.message()); }

TEST(ShapeFlagsTest, ParsesOneShapePerInput) {
  absl::StatusOr<ShapeFlags> shapes = ParseShapeFlags({"image:3,224,224", "ids:4", "ns:x:2"});
  ASSERT_TRUE(shapes.ok()) << shapes.status();
  EXPECT_THAT(shapes->at("image"), ElementsAre(3, 224, 224));
  EXPECT_THAT(shapes->at("ids"), ElementsAre(4));
  EXPECT_THAT(shapes->at("ns:x"), ElementsAre(2));  // The sizes follow the last ':'.
}

TEST(ShapeFlagsTest, RefusesMalformedValuesQuotingThem) {
  for (const auto& [value, reason] : std::vector<std::pair<std::string, std::string>>{
           {"image", "expected NAME:D1,D2,..."},
           {":3,4", "expected NAME:D1,D2,..."},
           {"image:", "expected NAME:D1,D2,..."},
           {"image:3,,4", "'' is not a size"},
           {"image:3,x", "'x' is not a size"},
           {"image:3,2.5", "'2.5' is not a size"},
           {"image:3,0", "size 0 is not positive"},
           {"image:3,-1", "size -1 is not positive"}}) {
    absl::StatusOr<ShapeFlags> shapes = ParseShapeFlags({value});
    ASSERT_FALSE(shapes.ok()) << value;
    EXPECT_THAT(Error(shapes.status()), HasSubstr("--shape " + value + ": " + reason));
  }
  absl::StatusOr<ShapeFlags> twice = ParseShapeFlags({"ids:4", "ids:4"});
  ASSERT_FALSE(twice.ok());
  EXPECT_THAT(Error(twice.status()), HasSubstr("input 'ids' was already given a shape"));
}

TEST(ModelInputsTest, AppliesShapesToVariableDimensionsWithoutTheBatchDimension) {
  absl::StatusOr<ModelInputs> inputs = ResolveModelInputs(Metadata(), true, {{"image", {3, 32, 48}}});
  ASSERT_TRUE(inputs.ok()) << inputs.status();
  EXPECT_EQ(inputs->model, "m");
  EXPECT_TRUE(inputs->batched);
  ASSERT_EQ(inputs->inputs.size(), 2u);
  EXPECT_THAT(inputs->inputs[0].model_dims, ElementsAre(3, -1, -1));
  EXPECT_THAT(inputs->inputs[0].dims, ElementsAre(3, 32, 48));
  EXPECT_THAT(inputs->inputs[1].dims, ElementsAre(4));
  EXPECT_EQ(inputs->inputs[1].datatype, "INT64");
  EXPECT_EQ(inputs->Names(), "image, ids");

  // A model that does not batch takes the whole shape.
  absl::StatusOr<ModelInputs> whole = ResolveModelInputs(Metadata(false), false, {{"ids", {4}}});
  ASSERT_TRUE(whole.ok()) << whole.status();
  EXPECT_THAT(whole->inputs[0].dims, ElementsAre(3, -1, -1));
}

TEST(ModelInputsTest, RefusesShapesThatDoNotFitTheModelNamingTheInput) {
  struct Case {
    ShapeFlags shapes;
    std::string message;
  };
  for (const Case& c : std::vector<Case>{
           {{{"label", {3}}}, "--shape label:3: model 'm' has no input 'label' (its inputs: image, ids)"},
           {{{"image", {3, 32}}}, "--shape image:3,32: shape [3,32] does not fit input 'image' of dims [3,-1,-1]: "
                                  "2 sizes for 3 dimensions"},
           // The batch dimension included, as a Triton user might by mistake.
           {{{"image", {1, 3, 32, 32}}}, "4 sizes for 3 dimensions (sizes of one batch item: without the batch "
                                         "dimension"},
           {{{"image", {4, 32, 32}}}, "dimension 0 is fixed at 3, not 4"},
           {{{"ids", {5}}}, "--shape ids:5: shape [5] does not fit input 'ids' of dims [4]: dimension 0 is fixed "
                            "at 4, not 5"}}) {
    absl::StatusOr<ModelInputs> inputs = ResolveModelInputs(Metadata(), true, c.shapes);
    ASSERT_FALSE(inputs.ok()) << c.message;
    EXPECT_TRUE(absl::IsInvalidArgument(inputs.status()));
    EXPECT_THAT(Error(inputs.status()), HasSubstr(c.message));
  }
}

TEST(ModelInputsTest, ABatchingModelMustShowItsBatchDimension) {
  absl::StatusOr<ModelInputs> inputs = ResolveModelInputs(Metadata(false), true, {});
  ASSERT_FALSE(inputs.ok());
  EXPECT_THAT(Error(inputs.status()), HasSubstr("without a leading batch dimension"));
}

TEST(ModelInputsTest, TheConfigurationSaysWhetherTheModelBatches) {
  inference::ModelConfig config;
  config.set_max_batch_size(8);
  EXPECT_TRUE(HasBatchDimension(Metadata(false), config));
  config.set_max_batch_size(0);
  // Every first dimension is variable, yet the model does not batch.
  EXPECT_FALSE(HasBatchDimension(Metadata(true), config));
  // Without a configuration (a server without the extension), the metadata's
  // leading -1 on every input decides.
  const absl::Status none = absl::UnimplementedError("no configuration extension");
  EXPECT_TRUE(HasBatchDimension(Metadata(true), none));
  EXPECT_FALSE(HasBatchDimension(Metadata(false), none));
}

TEST(ModelInputsTest, ElementCountsRefuseVariableSizesAndOverflow) {
  EXPECT_EQ(*ElementCount({2, 3, 4}), 24);
  EXPECT_EQ(*ElementCount({}), 1);
  EXPECT_FALSE(ElementCount({2, -1}).ok());
  EXPECT_THAT(Error(ElementCount({int64_t{1} << 40, int64_t{1} << 40}).status()), HasSubstr("too many elements"));
  EXPECT_EQ(DimsText({3, -1}), "[3,-1]");
}

}  // namespace
}  // namespace convoy
