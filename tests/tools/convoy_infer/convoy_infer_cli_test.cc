// Runs the convoy-infer binary as a user would. The cases that need a model
// use LeNet-5 from the zoo (tools/make_zoo.py) and skip, naming the missing
// file, when the zoo has not been built.
#include <sys/wait.h>

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <string>
#include <vector>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "engine/api/npy.h"
#include "engine/api/tensor.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"

namespace convoy {
namespace {

using ::testing::HasSubstr;

struct CommandResult {
  int exit_code = -1;
  std::string output;  // stdout and stderr, interleaved
};

std::string ShellQuote(const std::string& s) {
  std::string quoted = "'";
  for (char c : s) {
    if (c == '\'') {
      quoted += "'\\''";
    } else {
      quoted += c;
    }
  }
  return quoted + "'";
}

// A hung engine should fail the test, not stall the whole ctest run.
constexpr int kTimeoutSeconds = 300;

CommandResult RunInfer(const std::vector<std::string>& args) {
  std::vector<std::string> quoted = {"timeout", absl::StrCat(kTimeoutSeconds),
                                     ShellQuote(CONVOY_INFER_BINARY)};
  for (const std::string& arg : args) quoted.push_back(ShellQuote(arg));
  const std::string command = absl::StrCat(absl::StrJoin(quoted, " "), " 2>&1");
  CommandResult result;
  std::FILE* pipe = popen(command.c_str(), "r");
  if (pipe == nullptr) return result;
  char buffer[4096];
  size_t n;
  while ((n = std::fread(buffer, 1, sizeof(buffer), pipe)) > 0) result.output.append(buffer, n);
  const int status = pclose(pipe);
  if (WIFEXITED(status)) result.exit_code = WEXITSTATUS(status);
  if (result.exit_code == 124) {
    ADD_FAILURE() << "convoy-infer did not finish within " << kTimeoutSeconds << " s: " << command;
  }
  return result;
}

bool Exists(const std::string& path) {
  std::FILE* f = std::fopen(path.c_str(), "rb");
  if (f != nullptr) std::fclose(f);
  return f != nullptr;
}

std::string ZooDir() {
  const char* dir = std::getenv("CONVOY_ZOO_DIR");
  return dir != nullptr ? dir : "zoo";
}

std::string TempPath(const std::string& name) { return ::testing::TempDir() + "/cli_test_" + name; }

// LeNet-5's model file and reference input/output, or a skip naming what is missing.
class LeNetCliTest : public ::testing::Test {
 protected:
  void SetUp() override {
    const std::string zoo = ZooDir();
    for (const char* candidate : {"/models/lenet5/1/model.onnx", "/models/lenet5/model.onnx"}) {
      if (Exists(zoo + candidate)) model_ = zoo + candidate;
    }
    if (model_.empty())
      GTEST_SKIP() << "no LeNet-5 model: " << zoo << "/models/lenet5/1/model.onnx";
    input_ = zoo + "/refs/lenet5/input.npy";
    output_ = zoo + "/refs/lenet5/output.npy";
    for (const std::string& file : {input_, output_}) {
      if (!Exists(file)) GTEST_SKIP() << "no reference file: " << file;
    }
    absl::StatusOr<engine::Tensor> input = engine::ReadNpy(input_);
    ASSERT_TRUE(input.ok()) << input.status();
    reference_input_ = *std::move(input);
  }

  // Asserts that `actual` equals the reference output within 1e-4 relative.
  void ExpectMatchesReference(const std::string& actual_path) {
    absl::StatusOr<engine::Tensor> expected = engine::ReadNpy(output_);
    absl::StatusOr<engine::Tensor> actual = engine::ReadNpy(actual_path);
    ASSERT_TRUE(expected.ok()) << expected.status();
    ASSERT_TRUE(actual.ok()) << actual.status();
    ASSERT_EQ(actual->type(), engine::DataType::kFloat32);
    ASSERT_EQ(actual->shape(), expected->shape());
    absl::Span<const float> a = actual->values<float>();
    absl::Span<const float> e = expected->values<float>();
    int mismatches = 0;
    for (size_t i = 0; i < e.size(); ++i) {
      // Relative to the value, with an absolute floor for values near zero,
      // where a relative bound means nothing (numpy.allclose's rule).
      const double tolerance = 1e-4 * std::abs(e[i]) + 1e-5;
      if (std::abs(a[i] - e[i]) > tolerance && ++mismatches <= 5) {
        ADD_FAILURE() << "element " << i << ": got " << a[i] << ", reference " << e[i];
      }
    }
    EXPECT_EQ(mismatches, 0) << "of " << e.size() << " elements";
  }

  std::string model_;
  std::string input_;
  std::string output_;
  engine::Tensor reference_input_;
};

TEST(ConvoyInferCliTest, HelpPrintsUsage) {
  CommandResult r = RunInfer({"--help"});
  EXPECT_EQ(r.exit_code, 0) << r.output;
  EXPECT_THAT(r.output, HasSubstr("Usage: convoy-infer MODEL.onnx"));
}

TEST(ConvoyInferCliTest, BadCommandLineExitsTwo) {
  CommandResult r = RunInfer({"--bench", "3"});
  EXPECT_EQ(r.exit_code, 2) << r.output;
  EXPECT_THAT(r.output, HasSubstr("missing MODEL.onnx"));
}

TEST(ConvoyInferCliTest, MissingModelFileExitsOneWithTheEngineMessage) {
  const std::string model = TempPath("no_such_model.onnx");
  CommandResult r = RunInfer({model, "--input", "in.npy"});
  EXPECT_EQ(r.exit_code, 1) << r.output;
  EXPECT_THAT(r.output, HasSubstr(model));
}

TEST_F(LeNetCliTest, UnboundInputExitsTwo) {
  CommandResult r = RunInfer({model_, "--output", TempPath("unused.npy")});
  EXPECT_EQ(r.exit_code, 2) << r.output;
  EXPECT_THAT(r.output, HasSubstr("is not bound; pass --input FILE.npy"));
}

TEST_F(LeNetCliTest, UnknownInputNameExitsTwo) {
  CommandResult r = RunInfer({model_, "--input", input_, "--input", "no_such_input=" + input_});
  EXPECT_EQ(r.exit_code, 2) << r.output;
  EXPECT_THAT(r.output, HasSubstr("the model has no input 'no_such_input'"));
}

TEST_F(LeNetCliTest, WrongShapeExitsTwoNamingExpectedAndActual) {
  engine::Shape shape = reference_input_.shape();
  ASSERT_EQ(shape.size(), 4u);
  ++shape[1];  // one channel too many
  const std::string path = TempPath("wrong_shape.npy");
  ASSERT_TRUE(engine::WriteNpy(path, engine::Tensor(engine::DataType::kFloat32, shape)).ok());
  CommandResult r = RunInfer({model_, "--input", path});
  EXPECT_EQ(r.exit_code, 2) << r.output;
  EXPECT_THAT(r.output,
              HasSubstr(absl::StrCat("got float32 ", engine::ShapeToString(shape), " from ", path)));
  EXPECT_THAT(r.output, HasSubstr("expects float32 ["));
}

TEST_F(LeNetCliTest, WrongDtypeExitsTwo) {
  const std::string path = TempPath("wrong_dtype.npy");
  ASSERT_TRUE(engine::WriteNpy(path, engine::Tensor(engine::DataType::kInt64, reference_input_.shape())).ok());
  CommandResult r = RunInfer({model_, "--input", path});
  EXPECT_EQ(r.exit_code, 2) << r.output;
  EXPECT_THAT(r.output, HasSubstr(absl::StrCat("expects float32, got int64 from ", path)));
}

TEST_F(LeNetCliTest, WritesTheReferenceOutput) {
  const std::string out = TempPath("lenet5_out.npy");
  std::remove(out.c_str());
  CommandResult r = RunInfer({model_, "--input", input_, "--output", out, "--threads", "1"});
  ASSERT_EQ(r.exit_code, 0) << r.output;
  EXPECT_THAT(r.output, HasSubstr("wrote '"));
  ExpectMatchesReference(out);
}

TEST_F(LeNetCliTest, WritesANamedOutput) {
  // Learn the first output's name from an unnamed run, then ask for it by name.
  const std::string unnamed = TempPath("lenet5_unnamed.npy");
  CommandResult first = RunInfer({model_, "--input", input_, "--output", unnamed});
  ASSERT_EQ(first.exit_code, 0) << first.output;
  const size_t start = first.output.find("wrote '");
  ASSERT_NE(start, std::string::npos) << first.output;
  const size_t name_start = start + 7;
  const std::string name =
      first.output.substr(name_start, first.output.find('\'', name_start) - name_start);

  const std::string named = TempPath("lenet5_named.npy");
  std::remove(named.c_str());
  CommandResult r = RunInfer({model_, "--input=" + input_, "--output=" + name + "=" + named});
  ASSERT_EQ(r.exit_code, 0) << r.output;
  ExpectMatchesReference(named);
}

TEST_F(LeNetCliTest, ImageThatIsNotAnImageExitsTwoNamingTheFile) {
  const std::string path = TempPath("notes.png");
  std::ofstream(path) << "not an image";
  CommandResult r = RunInfer({model_, "--image", path});
  EXPECT_EQ(r.exit_code, 2) << r.output;
  EXPECT_THAT(r.output, HasSubstr("notes.png: not a JPEG or PNG image"));
}

TEST_F(LeNetCliTest, ImageWithoutAConfigExitsTwoSayingWhy) {
  const std::string copy = TempPath("model.onnx");
  std::filesystem::copy_file(model_, copy, std::filesystem::copy_options::overwrite_existing);
  CommandResult r = RunInfer({copy, "--image", TempPath("any.png")});
  EXPECT_EQ(r.exit_code, 2) << r.output;
  EXPECT_THAT(r.output, HasSubstr("images need the model's config.pbtxt"));
}

TEST_F(LeNetCliTest, BenchReportsThroughputAndLatencyPercentiles) {
  CommandResult r = RunInfer({model_, "--input", input_, "--bench", "5", "--warmup", "1"});
  ASSERT_EQ(r.exit_code, 0) << r.output;
  const int64_t batch = reference_input_.shape().empty() ? 1 : reference_input_.shape()[0];
  EXPECT_THAT(r.output, HasSubstr(absl::StrCat("lenet5 batch ", batch, ": ")));
  for (const char* field : {"img/s", "mean ", "p50 ", "p90 ", "p99 ", "min ", "max ",
                            "(5 runs after 1 warm-up)", "loaded in"}) {
    EXPECT_THAT(r.output, HasSubstr(field));
  }
}

}  // namespace
}  // namespace convoy
