#include "tests/server/testing/test_repository.h"

#include <unistd.h>

#include <atomic>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <stdexcept>

#include "absl/strings/str_cat.h"
#include "engine/api/tensor.h"
#include "repository/model_config.h"
#include "tests/engine/testing/onnx_builder.h"

namespace convoy::testing {
namespace fs = std::filesystem;

TestRepository::TestRepository() {
  static std::atomic<int> counter{0};
  root_ = (fs::temp_directory_path() /
           absl::StrCat("convoy-repo-", getpid(), "-", counter.fetch_add(1)))
              .string();
  fs::remove_all(root_);
  fs::create_directories(root_);
}

TestRepository::~TestRepository() {
  std::error_code ignored;
  fs::remove_all(root_, ignored);
}

void TestRepository::WriteFile(const std::string& relative, const std::string& contents) const {
  const fs::path path = fs::path(root_) / relative;
  fs::create_directories(path.parent_path());
  // Written beside and renamed, so a polling server never reads half a file.
  const fs::path temp = path.string() + ".tmp";
  {
    std::ofstream out(temp, std::ios::binary | std::ios::trunc);
    out << contents;
    if (!out) throw std::runtime_error("cannot write " + temp.string());
  }
  fs::rename(temp, path);
}

void TestRepository::Remove(const std::string& relative) const {
  fs::remove_all(fs::path(root_) / relative);
}

void TestRepository::AddZooModel(const std::string& zoo_name, const std::string& as_name,
                                 const std::string& config) const {
  const fs::path from = fs::path(ZooDir()) / "models" / zoo_name;
  const fs::path to = fs::path(root_) / as_name;
  fs::copy(from, to, fs::copy_options::recursive | fs::copy_options::overwrite_existing);
  if (!config.empty()) WriteFile(as_name + "/config.pbtxt", config);
}

std::string ScaleModelOnnx(float scale) {
  engine::testing::OnnxBuilder b;
  b.AddInput("x", {"N", 4});
  b.AddInitializer("scale", engine::testing::Filled({4}, scale));
  b.AddNode("Mul", {"x", "scale"}, {"y"});
  b.AddOutput("y");
  return b.Serialize();
}

std::string ThreeOutputImageModelOnnx() {
  engine::testing::OnnxBuilder b;
  b.AddInput("image", {"N", 1, 8, 8});
  b.AddInitializer("two", engine::testing::Filled({1}, 2.0f));
  b.AddInitializer("one", engine::testing::Filled({1}, 1.0f));
  b.AddNode("Mul", {"image", "two"}, {"doubled"});
  b.AddNode("MaxPool", {"doubled"}, {"pooled"},
            {engine::testing::IntsAttr("kernel_shape", {2, 2}), engine::testing::IntsAttr("strides", {2, 2})});
  b.AddNode("Flatten", {"pooled"}, {"logits"});
  b.AddNode("Add", {"image", "one"}, {"shifted"});
  b.AddOutput("logits");
  b.AddOutput("shifted");
  return b.Serialize();
}

std::string ScaleModelConfig(const std::string& name, const std::string& extra) {
  return absl::StrCat("name: \"", name, "\"\nplatform: \"onnxruntime_onnx\"\nmax_batch_size: 8\n",
                      "input [ { name: \"x\" data_type: TYPE_FP32 dims: [ 4 ] } ]\n",
                      "output [ { name: \"y\" data_type: TYPE_FP32 dims: [ 4 ] } ]\n", extra);
}

absl::StatusOr<std::shared_ptr<server::SingleModel>> LoadVersion1(const TestRepository& repository,
                                                                     const std::string& name) {
  const std::string dir = repository.root() + "/" + name;
  absl::StatusOr<repository::ModelConfigFile> file =
      repository::ReadModelConfig(dir, repository::ConfigCompleteness::kPartial);
  if (!file.ok()) return file.status();
  return server::SingleModel::Load(dir, 1, *std::move(file), server::ServableOptions());
}

std::string ZooDir() {
  const char* dir = std::getenv("CONVOY_ZOO_DIR");
  return dir == nullptr ? "" : dir;
}

}  // namespace convoy::testing
