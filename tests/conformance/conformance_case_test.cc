#include "tests/conformance/conformance_case.h"

#include <filesystem>
#include <fstream>
#include <string>
#include <vector>

#include "absl/status/status.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "onnx/onnx_pb.h"
#include "tests/conformance/expectations.h"

namespace convoy {
namespace conformance {
namespace {

namespace fs = std::filesystem;
using ::testing::ElementsAre;
using ::testing::IsEmpty;

// A throw-away copy of the test data layout under the test's temp dir.
class ConformanceCaseTest : public ::testing::Test {
 protected:
  void SetUp() override {
    root_ = fs::path(::testing::TempDir()) /
            ::testing::UnitTest::GetInstance()->current_test_info()->name();
    fs::remove_all(root_);
    fs::create_directories(root_);
  }
  void TearDown() override { fs::remove_all(root_); }

  std::string Write(const fs::path& relative, const std::string& bytes) {
    fs::path path = root_ / relative;
    fs::create_directories(path.parent_path());
    std::ofstream(path, std::ios::binary) << bytes;
    return path.string();
  }

  fs::path root_;
};

onnx::ValueInfoProto TensorValue(const std::string& name, int elem_type) {
  onnx::ValueInfoProto value;
  value.set_name(name);
  value.mutable_type()->mutable_tensor_type()->set_elem_type(elem_type);
  return value;
}

TEST_F(ConformanceCaseTest, ListsCaseDirectoriesWithModelsSortedPerSuite) {
  Write("node/test_b/model.onnx", "");
  Write("node/test_a/model.onnx", "");
  Write("node/not_a_case/readme.txt", "");
  Write("pytorch-converted/test_Conv2d/model.onnx", "");
  std::vector<std::string> ids;
  for (const ConformanceCase& c : ListCases(root_.string(), {"node", "pytorch-converted", "none"})) {
    ids.push_back(c.id());
  }
  EXPECT_THAT(ids, ElementsAre("node/test_a", "node/test_b", "pytorch-converted/test_Conv2d"));
}

TEST_F(ConformanceCaseTest, ListsDataSetsInNumericOrder) {
  for (const char* dir : {"test_data_set_10", "test_data_set_2", "test_data_set_0"}) {
    fs::create_directories(root_ / "case" / dir);
  }
  Write("case/test_data_set_x/input_0.pb", "");
  std::vector<std::string> names;
  for (const std::string& dir : ListTestDataSets((root_ / "case").string())) {
    names.push_back(fs::path(dir).filename().string());
  }
  EXPECT_THAT(names, ElementsAre("test_data_set_0", "test_data_set_2", "test_data_set_10"));
}

TEST_F(ConformanceCaseTest, ReadsTensorFilesInOrderUpToFirstGap) {
  for (int k : {0, 1, 3}) {
    onnx::TensorProto t;
    t.set_data_type(onnx::TensorProto::INT64);
    t.add_dims(1);
    t.add_int64_data(k);
    Write("set/input_" + std::to_string(k) + ".pb", t.SerializeAsString());
  }
  absl::StatusOr<std::vector<engine::Tensor>> tensors = ReadTensorFiles((root_ / "set").string(), "input");
  ASSERT_TRUE(tensors.ok()) << tensors.status();
  ASSERT_EQ(tensors->size(), 2u);
  EXPECT_EQ((*tensors)[1].data<int64_t>()[0], 1);
  absl::StatusOr<std::vector<engine::Tensor>> none = ReadTensorFiles((root_ / "set").string(), "output");
  ASSERT_TRUE(none.ok());
  EXPECT_THAT(*none, IsEmpty());
}

TEST_F(ConformanceCaseTest, ReadsOpTypesElementTypesAndOpsetFromModel) {
  onnx::ModelProto model;
  model.set_ir_version(8);
  model.add_opset_import()->set_version(13);
  onnx::GraphProto* graph = model.mutable_graph();
  *graph->add_input() = TensorValue("x", onnx::TensorProto::FLOAT);
  *graph->add_output() = TensorValue("y", onnx::TensorProto::FLOAT);
  onnx::TensorProto* init = graph->add_initializer();
  init->set_name("shape");
  init->set_data_type(onnx::TensorProto::INT64);
  onnx::NodeProto* relu = graph->add_node();
  relu->set_op_type("Relu");
  onnx::NodeProto* constant = graph->add_node();
  constant->set_op_type("Constant");
  onnx::AttributeProto* value = constant->add_attribute();
  value->set_name("value");
  value->set_type(onnx::AttributeProto::TENSOR);
  value->mutable_t()->set_data_type(onnx::TensorProto::DOUBLE);
  onnx::NodeProto* cast = graph->add_node();
  cast->set_op_type("Cast");
  onnx::AttributeProto* to = cast->add_attribute();
  to->set_name("to");
  to->set_type(onnx::AttributeProto::INT);
  to->set_i(onnx::TensorProto::INT32);
  onnx::NodeProto* custom = graph->add_node();
  custom->set_op_type("Normalizer");
  custom->set_domain("ai.onnx.ml");

  absl::StatusOr<ModelFeatures> features =
      ReadModelFeatures(Write("model.onnx", model.SerializeAsString()));
  ASSERT_TRUE(features.ok()) << features.status();
  EXPECT_EQ(features->opset, 13);
  EXPECT_THAT(features->op_types, ElementsAre("Cast", "Constant", "Relu", "ai.onnx.ml:Normalizer"));
  EXPECT_THAT(features->elem_types, ElementsAre("DOUBLE", "FLOAT", "INT32", "INT64"));
}

TEST_F(ConformanceCaseTest, MissingOrGarbageModelIsAnError) {
  EXPECT_EQ(ReadModelFeatures((root_ / "nope.onnx").string()).status().code(),
            absl::StatusCode::kNotFound);
  EXPECT_EQ(ReadModelFeatures(Write("bad.onnx", "\xff\xff\xff")).status().code(),
            absl::StatusCode::kInvalidArgument);
}

TEST(IsRequiredTest, RequiresListedOpsWithFloatAndInt64TensorsOnly) {
  EXPECT_TRUE(IsRequired({13, {"Conv", "Relu", "Reshape"}, {"FLOAT", "INT64"}}));
  EXPECT_FALSE(IsRequired({13, {"Conv", "Resize"}, {"FLOAT"}}));
  EXPECT_FALSE(IsRequired({13, {"Relu"}, {"FLOAT", "DOUBLE"}}));
  EXPECT_FALSE(IsRequired({13, {"Dropout"}, {"FLOAT", "BOOL"}}));
}

TEST(ExpectedSkipsTest, EntriesAreSortedUniqueAndExplained) {
  absl::Span<const ExpectedSkip> skips = ExpectedSkips();
  for (size_t i = 0; i < skips.size(); ++i) {
    EXPECT_FALSE(skips[i].reason.empty()) << skips[i].case_id;
    if (i > 0) {
      EXPECT_LT(skips[i - 1].case_id, skips[i].case_id);
    }
    EXPECT_EQ(FindExpectedSkip(skips[i].case_id), &skips[i]);
  }
  EXPECT_EQ(FindExpectedSkip("node/no_such_case"), nullptr);
}

}  // namespace
}  // namespace conformance
}  // namespace convoy
