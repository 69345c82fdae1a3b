#include "tools/convoy_infer/tensor_bindings.h"

#include <map>
#include <string>
#include <vector>

#include "absl/status/status.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"

namespace convoy {
namespace {

using ::testing::ElementsAre;
using ::testing::HasSubstr;

// Stands in for ReadNpy: files are entries of a map.
class FakeFiles {
 public:
  void Add(const std::string& path, engine::Tensor tensor) { files_[path] = std::move(tensor); }
  TensorReader Reader() {
    return [this](const std::string& path) -> absl::StatusOr<engine::Tensor> {
      auto it = files_.find(path);
      if (it == files_.end()) return absl::NotFoundError(path + ": cannot open");
      return it->second;
    };
  }

 private:
  std::map<std::string, engine::Tensor> files_;
};

class BindInputsTest : public ::testing::Test {
 protected:
  BindInputsTest() {
    files_.Add("image.npy", engine::Tensor(engine::DataType::kFloat32, {8, 3, 32, 32}));
    files_.Add("scale.npy", engine::Tensor(engine::DataType::kFloat32, {1}));
    files_.Add("labels.npy", engine::Tensor(engine::DataType::kInt64, {8, 3, 32, 32}));
    files_.Add("gray.npy", engine::Tensor(engine::DataType::kFloat32, {8, 1, 32, 32}));
    files_.Add("flat.npy", engine::Tensor(engine::DataType::kFloat32, {8, 3072}));
  }

  absl::StatusOr<std::vector<engine::NamedTensor>> Bind(std::vector<TensorBinding> bindings) {
    return BindInputs(inputs_, bindings, files_.Reader());
  }

  void ExpectInvalid(std::vector<TensorBinding> bindings, const std::string& reason) {
    absl::StatusOr<std::vector<engine::NamedTensor>> bound = Bind(bindings);
    ASSERT_FALSE(bound.ok());
    EXPECT_EQ(bound.status().code(), absl::StatusCode::kInvalidArgument);
    EXPECT_THAT(std::string(bound.status().message()), HasSubstr(reason));
  }

  const std::vector<engine::TensorInfo> inputs_ = {
      {"image", engine::DataType::kFloat32, {-1, 3, 32, 32}},
      {"scale", engine::DataType::kFloat32, {1}},
  };
  FakeFiles files_;
};

TEST_F(BindInputsTest, BindsUnnamedFileToFirstInputAndReturnsModelOrder) {
  absl::StatusOr<std::vector<engine::NamedTensor>> bound =
      Bind({{"scale", "scale.npy"}, {"", "image.npy"}});
  ASSERT_TRUE(bound.ok()) << bound.status();
  ASSERT_EQ(bound->size(), 2u);
  EXPECT_EQ((*bound)[0].name, "image");
  EXPECT_THAT((*bound)[0].tensor.shape(), ElementsAre(8, 3, 32, 32));
  EXPECT_EQ((*bound)[1].name, "scale");
}

TEST_F(BindInputsTest, RejectsUnknownInputNamesListingTheRealOnes) {
  ExpectInvalid({{"", "image.npy"}, {"scales", "scale.npy"}},
                "the model has no input 'scales'; its inputs are 'image' float32 [?,3,32,32], "
                "'scale' float32 [1]");
}

TEST_F(BindInputsTest, RejectsAnInputBoundTwice) {
  ExpectInvalid({{"", "image.npy"}, {"image", "gray.npy"}, {"scale", "scale.npy"}},
                "input 'image' is bound twice: to image.npy and to gray.npy");
}

TEST_F(BindInputsTest, RejectsUnboundInputs) {
  ExpectInvalid({{"scale", "scale.npy"}},
                "model input 'image' (float32 [?,3,32,32]) is not bound; pass --input FILE.npy");
  ExpectInvalid({{"", "image.npy"}},
                "model input 'scale' (float32 [1]) is not bound; pass --input scale=FILE.npy");
}

TEST_F(BindInputsTest, RejectsWrongElementType) {
  ExpectInvalid({{"", "labels.npy"}, {"scale", "scale.npy"}},
                "input 'image' expects float32, got int64 from labels.npy");
}

TEST_F(BindInputsTest, RejectsWrongFixedDimension) {
  ExpectInvalid({{"", "gray.npy"}, {"scale", "scale.npy"}},
                "input 'image' expects float32 [?,3,32,32], got float32 [8,1,32,32] from gray.npy");
}

TEST_F(BindInputsTest, RejectsWrongRank) {
  ExpectInvalid({{"", "flat.npy"}, {"scale", "scale.npy"}},
                "input 'image' expects float32 [?,3,32,32], got float32 [8,3072] from flat.npy");
}

TEST_F(BindInputsTest, PassesOnReadErrors) {
  absl::StatusOr<std::vector<engine::NamedTensor>> bound =
      Bind({{"", "missing.npy"}, {"scale", "scale.npy"}});
  ASSERT_FALSE(bound.ok());
  EXPECT_EQ(bound.status().code(), absl::StatusCode::kNotFound);
  EXPECT_THAT(std::string(bound.status().message()), HasSubstr("missing.npy"));
}

TEST(ResolveOutputNamesTest, UnnamedMeansFirstOutputAndOthersPassThrough) {
  const std::vector<engine::TensorInfo> outputs = {{"logits", engine::DataType::kFloat32, {-1, 10}},
                                           {"prob", engine::DataType::kFloat32, {-1, 10}}};
  absl::StatusOr<std::vector<std::string>> names = ResolveOutputNames(
      outputs, {{"prob", "p.npy"}, {"", "l.npy"}, {"/conv1/Conv_output_0", "c.npy"}});
  ASSERT_TRUE(names.ok()) << names.status();
  EXPECT_THAT(*names, ElementsAre("prob", "logits", "/conv1/Conv_output_0"));
}

TEST(ResolveOutputNamesTest, UnnamedFailsWhenTheModelDeclaresNoOutputs) {
  absl::StatusOr<std::vector<std::string>> names = ResolveOutputNames({}, {{"", "out.npy"}});
  ASSERT_FALSE(names.ok());
  EXPECT_THAT(std::string(names.status().message()), HasSubstr("declares no outputs"));
}

}  // namespace
}  // namespace convoy
