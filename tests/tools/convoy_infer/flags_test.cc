#include "tools/convoy_infer/flags.h"

#include <string>
#include <vector>

#include "gmock/gmock.h"
#include "gtest/gtest.h"

namespace convoy {
namespace {

using ::testing::HasSubstr;

absl::StatusOr<InferFlags> Parse(std::vector<std::string> args) { return ParseInferFlags(args); }

void ExpectUsageError(std::vector<std::string> args, const std::string& reason) {
  absl::StatusOr<InferFlags> flags = Parse(args);
  ASSERT_FALSE(flags.ok());
  EXPECT_EQ(flags.status().code(), absl::StatusCode::kInvalidArgument);
  EXPECT_THAT(std::string(flags.status().message()), HasSubstr(reason));
}

TEST(InferFlagsTest, ParsesAFullCommandLine) {
  absl::StatusOr<InferFlags> flags =
      Parse({"m.onnx", "--input", "a.npy", "--input=mask=b.npy", "--output", "out.npy", "--output",
             "/features/Conv_output_0=f.npy", "--bench=50", "--warmup", "0", "--threads", "2"});
  ASSERT_TRUE(flags.ok()) << flags.status();
  EXPECT_EQ(flags->model_path, "m.onnx");
  ASSERT_EQ(flags->inputs.size(), 2u);
  EXPECT_EQ(flags->inputs[0].name, "");
  EXPECT_EQ(flags->inputs[0].path, "a.npy");
  EXPECT_EQ(flags->inputs[1].name, "mask");
  EXPECT_EQ(flags->inputs[1].path, "b.npy");
  ASSERT_EQ(flags->outputs.size(), 2u);
  EXPECT_EQ(flags->outputs[0].name, "");
  EXPECT_EQ(flags->outputs[1].name, "/features/Conv_output_0");
  EXPECT_EQ(flags->outputs[1].path, "f.npy");
  EXPECT_EQ(flags->bench_runs, 50);
  EXPECT_EQ(flags->warmup_runs, 0);
  EXPECT_EQ(flags->num_threads, 2);
  EXPECT_FALSE(flags->help);
}

TEST(InferFlagsTest, DefaultsToOneUntimedRunOnDefaultThreads) {
  absl::StatusOr<InferFlags> flags = Parse({"--input", "a.npy", "m.onnx"});
  ASSERT_TRUE(flags.ok()) << flags.status();
  EXPECT_EQ(flags->model_path, "m.onnx");
  EXPECT_EQ(flags->bench_runs, 0);
  EXPECT_EQ(flags->warmup_runs, 3);
  EXPECT_EQ(flags->num_threads, 0);
  EXPECT_TRUE(flags->optimize);
  EXPECT_TRUE(flags->winograd);
  EXPECT_FALSE(flags->served);  // convoy-infer has its cores to itself.
  EXPECT_EQ(flags->top_k, 0);
  EXPECT_TRUE(flags->outputs.empty());
}

TEST(InferFlagsTest, ParsesTopKLabelsNoOptimizeNoWinogradAndServed) {
  absl::StatusOr<InferFlags> flags = Parse(
      {"m.onnx", "--top-k", "5", "--labels=l.txt", "--no-optimize", "--no-winograd", "--served"});
  ASSERT_TRUE(flags.ok()) << flags.status();
  EXPECT_EQ(flags->top_k, 5);
  EXPECT_EQ(flags->labels_path, "l.txt");
  EXPECT_FALSE(flags->optimize);
  EXPECT_FALSE(flags->winograd);
  EXPECT_TRUE(flags->served);
  EXPECT_FALSE(Parse({"m.onnx", "--labels", "l.txt"}).ok());  // Labels need --top-k.
  EXPECT_FALSE(Parse({"m.onnx", "--top-k", "0"}).ok());
}

TEST(InferFlagsTest, CollectsImagesInOrder) {
  absl::StatusOr<InferFlags> flags =
      Parse({"m/1/model.onnx", "--image", "a.png", "--image=b.jpg", "--save-input", "x.npy", "--config", "c.pbtxt"});
  ASSERT_TRUE(flags.ok()) << flags.status();
  EXPECT_THAT(flags->images, ::testing::ElementsAre("a.png", "b.jpg"));
  EXPECT_EQ(flags->save_input_path, "x.npy");
  EXPECT_EQ(flags->config_path, "c.pbtxt");
}

TEST(InferFlagsTest, SplitsBindingsAtTheFirstEquals) {
  absl::StatusOr<InferFlags> flags = Parse({"m.onnx", "--input", "x=dir/a=b.npy"});
  ASSERT_TRUE(flags.ok()) << flags.status();
  EXPECT_EQ(flags->inputs[0].name, "x");
  EXPECT_EQ(flags->inputs[0].path, "dir/a=b.npy");
}

TEST(InferFlagsTest, HelpWinsOverEverythingElse) {
  for (const char* help : {"--help", "-h"}) {
    absl::StatusOr<InferFlags> flags = Parse({"--bogus", help});
    ASSERT_FALSE(flags.ok());  // the bad flag comes first
    flags = Parse({help, "--bogus"});
    ASSERT_TRUE(flags.ok()) << flags.status();
    EXPECT_TRUE(flags->help);
  }
  EXPECT_THAT(InferUsage(), HasSubstr("--input [NAME=]FILE.npy"));
}

TEST(InferFlagsTest, RejectsBadCommandLines) {
  ExpectUsageError({}, "missing MODEL.onnx");
  ExpectUsageError({"--input", "a.npy"}, "missing MODEL.onnx");
  ExpectUsageError({"a.onnx", "b.onnx"}, "unexpected argument 'b.onnx'");
  ExpectUsageError({"m.onnx", "--batch", "8"}, "unknown flag '--batch'");
  ExpectUsageError({"m.onnx", "--input"}, "--input needs a value");
  ExpectUsageError({"m.onnx", "--input", "=a.npy"}, "empty NAME");
  ExpectUsageError({"m.onnx", "--output", "x="}, "empty file name");
  ExpectUsageError({"m.onnx", "--input", "a.npy", "--input", "b.npy"},
                   "only one --input may omit NAME=");
  ExpectUsageError({"m.onnx", "--output", "y=a.npy", "--output", "y=b.npy"},
                   "--output 'y' is given twice");
  ExpectUsageError({"m.onnx", "--bench", "0"}, "--bench '0': expected an integer >= 1");
  ExpectUsageError({"m.onnx", "--bench", "ten"}, "expected an integer");
  ExpectUsageError({"m.onnx", "--threads", "-1"}, "--threads '-1'");
  ExpectUsageError({"m.onnx", "--warmup", "5"}, "--warmup only applies with --bench");
  ExpectUsageError({"m.onnx", "--image="}, "--image needs a file name");
  ExpectUsageError({"m.onnx", "--save-input", "x.npy"}, "--config and --save-input only apply with --image");
  ExpectUsageError({"m.onnx", "--precision", "fp16"},
                   "--precision: unknown precision 'fp16'; expected fp32, bf16 or int8");
  ExpectUsageError({"m.onnx", "--bench-seconds", "2"}, "only apply with --bench");
  ExpectUsageError({"m.onnx", "--bench-json"}, "only apply with --bench");
  ExpectUsageError({"m.onnx", "--bench", "3", "--bench-seconds", "-1"},
                   "--bench-seconds '-1': expected a number of seconds from 0 to 86400");
  ExpectUsageError({"m.onnx", "--bench", "3", "--bench-seconds", "nan"}, "expected a number");
  ExpectUsageError({"m.onnx", "--bench", "3", "--bench-json", "--top-k", "5"},
                   "--bench-json prints only the timings");
}

TEST(InferFlagsTest, ParsesPrecisionAndBenchmarkOutput) {
  absl::StatusOr<InferFlags> flags = ParseInferFlags(
      {"m.onnx", "--precision", "bf16", "--bench", "3", "--bench-seconds=2.5", "--bench-json"});
  ASSERT_TRUE(flags.ok()) << flags.status();
  EXPECT_EQ(flags->precision, engine::Precision::kBfloat16);
  EXPECT_EQ(flags->bench_runs, 3);
  EXPECT_DOUBLE_EQ(flags->bench_seconds, 2.5);
  EXPECT_TRUE(flags->bench_json);
  flags = ParseInferFlags({"m.onnx"});
  ASSERT_TRUE(flags.ok()) << flags.status();
  EXPECT_EQ(flags->precision, engine::Precision::kFloat32);
  EXPECT_FALSE(flags->bench_json);
}

}  // namespace
}  // namespace convoy
