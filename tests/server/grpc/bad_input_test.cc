// Bad input end to end, over loopback: the classes that infer_test.cc's
// ErrorTableTest, image_test.cc and repository_test.cc do not already cover.
// Each gets a precise status whose message names the offending thing, and
// the server goes on serving. docs/RELIABILITY.md tabulates every class and
// the test that covers it.
#include <chrono>
#include <cmath>
#include <cstdint>
#include <filesystem>
#include <functional>
#include <limits>
#include <memory>
#include <ostream>
#include <string>
#include <utility>
#include <vector>

#include <grpcpp/generic/generic_stub.h>
#include <grpcpp/support/byte_buffer.h>

#include "absl/strings/str_cat.h"
#include "absl/synchronization/notification.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "tests/engine/testing/onnx_builder.h"
#include "tests/server/testing/server_fixture.h"

namespace convoy {
namespace {

using ::testing::HasSubstr;
using ::testing::SizeIs;
using server::ModelControlMode;
using testing::RunningServer;
using testing::ScaleModelConfig;
using testing::ScaleModelOnnx;
using testing::StartServer;
using testing::TestRepository;

constexpr float kNan = std::numeric_limits<float>::quiet_NaN();
constexpr float kInf = std::numeric_limits<float>::infinity();

// The zoo's LeNet-5 with preprocessing, so that its image input also takes
// tensors larger than 32 x 32 (and crops them): the one input whose
// dimensions config.pbtxt does not fix.
constexpr char kImageConfig[] = R"pb(
name: "fmnist"
platform: "onnxruntime_onnx"
max_batch_size: 32
input [ { name: "input" data_type: TYPE_FP32 dims: [ 1, 32, 32 ] } ]
output [ { name: "logits" data_type: TYPE_FP32 dims: [ 10 ] } ]
preprocessing { pad: 4 mean: 0.25 std: 0.5 }
)pb";

// y = a + b for a, b [N, 4]: a model with two inputs.
std::string PairModelOnnx() {
  engine::testing::OnnxBuilder b;
  b.AddInput("a", {"N", 4});
  b.AddInput("b", {"N", 4});
  b.AddNode("Add", {"a", "b"}, {"y"});
  b.AddOutput("y");
  return b.Serialize();
}

constexpr char kPairConfig[] = R"pb(
name: "pair"
max_batch_size: 8
input [ { name: "a" data_type: TYPE_FP32 dims: [ 4 ] }, { name: "b" data_type: TYPE_FP32 dims: [ 4 ] } ]
output [ { name: "y" data_type: TYPE_FP32 dims: [ 4 ] } ]
)pb";

void AddScaleModel(const TestRepository& repository, const std::string& name) {
  repository.WriteFile(name + "/config.pbtxt", ScaleModelConfig(name));
  repository.WriteFile(name + "/1/model.onnx", ScaleModelOnnx(2.0f));
}

inference::ModelInferRequest ScaleRequest(const std::vector<float>& values) {
  inference::ModelInferRequest request;
  request.set_model_name("scale");
  client::AddFp32Input(&request, "x", {static_cast<int64_t>(values.size() / 4), 4}, values);
  return request;
}

// Sends `bytes` as the body of a unary call, as a client with a broken
// protobuf encoder would.
grpc::Status CallWithBody(std::shared_ptr<grpc::Channel> channel, const std::string& method,
                          const std::string& bytes) {
  grpc::GenericStub stub(std::move(channel));
  grpc::Slice slice(bytes);
  grpc::ByteBuffer request(&slice, 1);
  grpc::ByteBuffer response;
  grpc::ClientContext context;
  context.set_deadline(std::chrono::system_clock::now() + std::chrono::seconds(30));
  grpc::Status status;
  absl::Notification done;
  stub.UnaryCall(&context, method, grpc::StubOptions(), &request, &response, [&](grpc::Status s) {
    status = std::move(s);
    done.Notify();
  });
  done.WaitForNotification();
  return status;
}

class BadInputTest : public ::testing::Test {
 protected:
  void SetUp() override {
    ASSERT_FALSE(testing::ZooDir().empty()) << "CONVOY_ZOO_DIR not set: run through ctest";
    AddScaleModel(repository_, "scale");
    repository_.WriteFile("pair/config.pbtxt", kPairConfig);
    repository_.WriteFile("pair/1/model.onnx", PairModelOnnx());
    repository_.AddZooModel("lenet5-fmnist", "fmnist", kImageConfig);
    running_ = StartServer(repository_);
    ASSERT_NE(running_.client, nullptr);
  }

  // The server still answers a good request correctly.
  void ExpectStillServing() {
    auto response = running_.client->Infer(ScaleRequest({1, 2, 3, 4}));
    ASSERT_TRUE(response.ok()) << response.status();
    EXPECT_EQ(client::GetFp32Output(*response, "y")->values, (std::vector<float>{2, 4, 6, 8}));
  }

  void ExpectRefused(const inference::ModelInferRequest& request, absl::StatusCode code,
                     const std::string& message) {
    auto response = running_.client->Infer(request);
    ASSERT_FALSE(response.ok()) << message;
    EXPECT_EQ(response.status().code(), code) << response.status();
    EXPECT_THAT(std::string(response.status().message()), HasSubstr(message));
  }

  TestRepository repository_;
  RunningServer running_;
};

// Each row: what the client got wrong, and the words the error must contain.
struct BadRequest {
  std::string name;
  std::function<void(inference::ModelInferRequest*)> spoil;
  absl::StatusCode code;
  std::string message;
};

// Names the row in test output instead of dumping its bytes.
void PrintTo(const BadRequest& row, std::ostream* out) { *out << row.name; }

class BadRequestTest : public BadInputTest, public ::testing::WithParamInterface<BadRequest> {};

TEST_P(BadRequestTest, GetsAPreciseStatusAndTheServerGoesOn) {
  inference::ModelInferRequest request = ScaleRequest({1, 2, 3, 4, 5, 6, 7, 8});
  GetParam().spoil(&request);
  ExpectRefused(request, GetParam().code, GetParam().message);
  ExpectStillServing();
}

// Replaces the raw bytes with typed fp32 `values`.
void UseTypedContents(inference::ModelInferRequest* r, const std::vector<float>& values) {
  r->clear_raw_input_contents();
  for (float v : values) r->mutable_inputs(0)->mutable_contents()->add_fp32_contents(v);
}

INSTANTIATE_TEST_SUITE_P(
    Wire, BadRequestTest,
    ::testing::Values(
        BadRequest{"EmptyModelName", [](auto* r) { r->set_model_name(""); }, absl::StatusCode::kNotFound,
                   "unknown model ''"},
        BadRequest{"ModelNameWithAPath", [](auto* r) { r->set_model_name("../scale"); },
                   absl::StatusCode::kNotFound, "unknown model '../scale'"},
        BadRequest{"NegativeVersion", [](auto* r) { r->set_model_version("-1"); }, absl::StatusCode::kNotFound,
                   "has no version -1"},
        BadRequest{"VersionBeyondInt64", [](auto* r) { r->set_model_version("99999999999999999999"); },
                   absl::StatusCode::kInvalidArgument, "'99999999999999999999' is not a number"},
        BadRequest{"MoreRawContentsThanInputs",
                   [](auto* r) { *r->add_raw_input_contents() = r->raw_input_contents(0); },
                   absl::StatusCode::kInvalidArgument, "raw_input_contents has 2 entries but the request has 1 inputs"},
        BadRequest{"ExtraInput",
                   [](auto* r) { client::AddFp32Input(r, "z", {2, 4}, std::vector<float>(8, 0.0f)); },
                   absl::StatusCode::kInvalidArgument, "unknown input 'z' of model 'scale' (inputs: x)"},
        BadRequest{"UnknownDatatypeName", [](auto* r) { r->mutable_inputs(0)->set_datatype("FLOAT32"); },
                   absl::StatusCode::kInvalidArgument, "input 'x' has datatype 'FLOAT32'"},
        BadRequest{"EmptyDatatype", [](auto* r) { r->mutable_inputs(0)->set_datatype(""); },
                   absl::StatusCode::kInvalidArgument, "input 'x' has datatype ''"},
        BadRequest{"ZeroBatch",
                   [](auto* r) {
                     r->mutable_inputs(0)->set_shape(0, 0);
                     r->mutable_raw_input_contents(0)->clear();
                   },
                   absl::StatusCode::kInvalidArgument, "input 'x' has shape [0,4]: every dimension must be at least 1"},
        BadRequest{"MostNegativeDimension",
                   [](auto* r) { r->mutable_inputs(0)->set_shape(0, std::numeric_limits<int64_t>::min()); },
                   absl::StatusCode::kInvalidArgument, "every dimension must be at least 1"},
        BadRequest{"BatchOfTwoToThe62", [](auto* r) { r->mutable_inputs(0)->set_shape(0, int64_t{1} << 62); },
                   absl::StatusCode::kInvalidArgument, "batch size 4611686018427387904, above max_batch_size 8"},
        BadRequest{"DimensionOfTwoToThe62", [](auto* r) { r->mutable_inputs(0)->set_shape(1, int64_t{1} << 62); },
                   absl::StatusCode::kInvalidArgument, "input 'x' has shape [2,4611686018427387904]"},
        BadRequest{"TypedValueCountDiffersFromShape", [](auto* r) { UseTypedContents(r, {1, 2, 3}); },
                   absl::StatusCode::kInvalidArgument, "input 'x' has 3 values in contents but shape [2,4] needs 8"},
        BadRequest{"NoDataAtAll", [](auto* r) { r->clear_raw_input_contents(); },
                   absl::StatusCode::kInvalidArgument, "input 'x' has 0 values in contents"},
        BadRequest{"TypedContentsInAnotherTypesField",
                   [](auto* r) {
                     r->clear_raw_input_contents();
                     for (int i = 0; i < 8; ++i) r->mutable_inputs(0)->mutable_contents()->add_int_contents(i);
                   },
                   absl::StatusCode::kInvalidArgument, "input 'x' is FP32 but its contents use another type's field"},
        BadRequest{"OutputRequestedTwice",
                   [](auto* r) {
                     r->add_outputs()->set_name("y");
                     r->add_outputs()->set_name("y");
                   },
                   absl::StatusCode::kInvalidArgument, "output 'y' is requested twice"},
        BadRequest{"ClassificationOfZero",
                   [](auto* r) {
                     auto* out = r->add_outputs();
                     out->set_name("y");
                     (*out->mutable_parameters())["classification"].set_int64_param(0);
                   },
                   absl::StatusCode::kInvalidArgument, "output 'y': parameter 'classification' must be an int64 >= 1"},
        BadRequest{"MulticropAsAString",
                   [](auto* r) { (*r->mutable_parameters())["multicrop"].set_string_param("10"); },
                   absl::StatusCode::kInvalidArgument, "parameter 'multicrop' must be an int64 of 1, 5 or 10"},
        BadRequest{"MulticropOfSeven", [](auto* r) { (*r->mutable_parameters())["multicrop"].set_int64_param(7); },
                   absl::StatusCode::kInvalidArgument, "parameter 'multicrop' must be an int64 of 1, 5 or 10"},
        // Client strings come back in the message: a long one must not push
        // the status past the metadata size a gRPC client accepts
        // (GRPC_ARG_MAX_METADATA_SIZE), or the client gets RESOURCE_EXHAUSTED
        // "received initial metadata size exceeds limit" instead.
        BadRequest{"ModelNameOf64KiB", [](auto* r) { r->set_model_name(std::string(64 << 10, 'm')); },
                   absl::StatusCode::kNotFound, "unknown model 'mmmm"},
        BadRequest{"InputNameOf64KiB", [](auto* r) { r->mutable_inputs(0)->set_name(std::string(64 << 10, 'i')); },
                   absl::StatusCode::kInvalidArgument, "unknown input 'iiii"},
        BadRequest{"ShapeOf100000Dimensions",
                   [](auto* r) {
                     for (int i = 0; i < 100000; ++i) r->mutable_inputs(0)->add_shape(1);
                   },
                   absl::StatusCode::kInvalidArgument, "input 'x' has shape [2,4,1,1"}),
    [](const ::testing::TestParamInfo<BadRequest>& info) { return info.param.name; });

TEST_F(BadInputTest, InputsThatDisagreeOnTheBatchSizeAreRefused) {
  inference::ModelInferRequest request;
  request.set_model_name("pair");
  client::AddFp32Input(&request, "a", {1, 4}, std::vector<float>(4, 1.0f));
  client::AddFp32Input(&request, "b", {2, 4}, std::vector<float>(8, 1.0f));
  ExpectRefused(request, absl::StatusCode::kInvalidArgument,
                "inputs disagree on the batch size: 'a' has 1, 'b' has 2");
}

TEST_F(BadInputTest, UnknownRequestParametersAreIgnored) {
  // Triton clients send parameters Convoy has no use for; they are not errors.
  inference::ModelInferRequest request = ScaleRequest({1, 2, 3, 4});
  (*request.mutable_parameters())["binary_data_output"].set_bool_param(true);
  (*request.mutable_parameters())["no_such_parameter"].set_string_param("x");
  (*request.mutable_inputs(0)->mutable_parameters())["binary_data_size"].set_int64_param(16);
  auto response = running_.client->Infer(request);
  ASSERT_TRUE(response.ok()) << response.status();
  EXPECT_EQ(client::GetFp32Output(*response, "y")->values, (std::vector<float>{2, 4, 6, 8}));
}

// The server does not inspect values: NaN and infinities are computed as
// IEEE arithmetic says and returned. Here y = 2x keeps each of them.
TEST_F(BadInputTest, NanAndInfinityAreComputedAndReturned) {
  auto response = running_.client->Infer(ScaleRequest({kNan, kInf, -kInf, 1.0f}));
  ASSERT_TRUE(response.ok()) << response.status();
  const std::vector<float> y = client::GetFp32Output(*response, "y")->values;
  ASSERT_THAT(y, SizeIs(4));
  EXPECT_TRUE(std::isnan(y[0]));
  EXPECT_EQ(y[1], kInf);
  EXPECT_EQ(y[2], -kInf);
  EXPECT_EQ(y[3], 2.0f);

  // Classification ranks them (NaN's place is unspecified) without failing.
  inference::ModelInferRequest classify = ScaleRequest({kNan, kInf, -kInf, 1.0f});
  auto* output = classify.add_outputs();
  output->set_name("y");
  (*output->mutable_parameters())["classification"].set_int64_param(int64_t{1} << 62);
  response = running_.client->Infer(classify);
  ASSERT_TRUE(response.ok()) << response.status();
  auto classes = client::GetBytesOutput(*response, "y");
  ASSERT_TRUE(classes.ok()) << classes.status();
  EXPECT_THAT(*classes, SizeIs(4)) << "k is capped at the number of classes";
}

TEST_F(BadInputTest, NanImagesAreComputedThroughACnnAndMulticrop) {
  for (int64_t crops : {1, 10}) {
    SCOPED_TRACE(crops);
    inference::ModelInferRequest request;
    request.set_model_name("fmnist");
    client::AddFp32Input(&request, "input", {2, 1, 36, 36}, std::vector<float>(2 * 36 * 36, kNan));
    (*request.mutable_parameters())["multicrop"].set_int64_param(crops);
    auto response = running_.client->Infer(request);
    ASSERT_TRUE(response.ok()) << response.status();
    EXPECT_THAT(client::GetFp32Output(*response, "logits")->values, SizeIs(20));
  }
}

// Image inputs take larger H and W than config.pbtxt's (they are cropped),
// so only the element count bounds them; nothing is allocated for a claim.
TEST_F(BadInputTest, AbsurdImageDimensionsAreRefusedBeforeAllocating) {
  struct Case {
    std::vector<int64_t> shape;
    std::string message;
  };
  const int64_t big = int64_t{1} << 31;
  const int64_t overflowing = int64_t{1} << 62;
  for (const Case& c : {Case{{1, 1, big, big}, "input 'input' with shape [1,1,2147483648,2147483648] is too large"},
                        Case{{1, 1, overflowing, overflowing}, "is too large"},
                        Case{{32, 1, overflowing, 64}, "is too large"},
                        Case{{1, 1, 65536, 65536}, "has 16 bytes in raw_input_contents but shape [1,1,65536,65536] "
                                                   "of FP32 needs 17179869184"}}) {
    SCOPED_TRACE(c.message);
    inference::ModelInferRequest request;
    request.set_model_name("fmnist");
    client::AddFp32Input(&request, "input", {1, 1, 2, 2}, std::vector<float>(4, 0.0f));
    request.mutable_inputs(0)->clear_shape();
    for (int64_t dim : c.shape) request.mutable_inputs(0)->add_shape(dim);
    ExpectRefused(request, absl::StatusCode::kInvalidArgument, c.message);
  }
  ExpectStillServing();
}

TEST(OversizedRequestTest, IsResourceExhaustedAndTheServerGoesOn) {
  TestRepository repository;
  AddScaleModel(repository, "scale");
  server::ServerOptions options;
  options.max_receive_message_bytes = 64 << 10;
  RunningServer running = StartServer(repository, ModelControlMode::kNone, options);
  ASSERT_NE(running.client, nullptr);

  inference::ModelInferRequest big = ScaleRequest({1, 2, 3, 4});
  big.set_id(std::string(64 << 10, 'x'));
  auto response = running.client->Infer(big);
  ASSERT_FALSE(response.ok());
  EXPECT_EQ(response.status().code(), absl::StatusCode::kResourceExhausted) << response.status();
  EXPECT_THAT(std::string(response.status().message()), HasSubstr("larger than max"));

  big.set_id(std::string(60 << 10, 'x'));
  response = running.client->Infer(big);
  ASSERT_TRUE(response.ok()) << response.status();
  EXPECT_EQ(response->id().size(), size_t{60 << 10});
}

// Bytes that are not a ModelInferRequest never reach Convoy's code: gRPC
// parses them first. They must still be the client's error, not the
// server's, and leave the server serving.
TEST_F(BadInputTest, MalformedProtobufIsInvalidArgument) {
  const struct {
    std::string name;
    std::string bytes;
  } kCases[] = {
      {"garbage", "\xff\xff\xff\xff\xff"},
      {"length past the end", std::string("\x0a\x64", 2) + "abc"},
      {"length of 2^35", std::string("\x0a\x80\x80\x80\x80\x80\x01", 7) + "abc"},
      {"model_name not UTF-8", std::string("\x0a\x02\xc3\x28", 4)},
      {"inputs cut short", "\x0a\x05scale\x2a\x10\x0a\x01x"},
  };
  for (const auto& c : kCases) {
    SCOPED_TRACE(c.name);
    grpc::Status status =
        CallWithBody(running_.client->channel(), "/inference.GRPCInferenceService/ModelInfer", c.bytes);
    EXPECT_EQ(status.error_code(), grpc::StatusCode::INVALID_ARGUMENT) << status.error_message();
    EXPECT_THAT(status.error_message(), HasSubstr("ModelInferRequest"));
  }
  ExpectStillServing();
}

TEST_F(BadInputTest, UnknownModelsAreNotFoundInEveryRpc) {
  EXPECT_EQ(running_.client->ModelMetadata("nope").status().code(), absl::StatusCode::kNotFound);
  EXPECT_THAT(std::string(running_.client->ModelMetadata("nope").status().message()), HasSubstr("'nope'"));
  EXPECT_EQ(running_.client->ModelConfig("nope").status().code(), absl::StatusCode::kNotFound);
  EXPECT_EQ(running_.client->ModelStatistics("nope").status().code(), absl::StatusCode::kNotFound);
  EXPECT_EQ(running_.client->ModelMetadata("scale", "7").status().code(), absl::StatusCode::kNotFound);
  EXPECT_EQ(running_.client->ModelConfig("scale", "abc").status().code(), absl::StatusCode::kInvalidArgument);
  EXPECT_EQ(*running_.client->ModelReady("nope"), false);
  EXPECT_EQ(*running_.client->ModelReady("scale", "abc"), false);
}

TEST(RepositoryLoadTest, RefusesPathsNamingTheRule) {
  TestRepository repository;
  RunningServer running = StartServer(repository, ModelControlMode::kExplicit);
  ASSERT_NE(running.client, nullptr);
  const struct {
    std::string name;
    std::string message;
  } kCases[] = {
      {"../etc", "may contain only letters, digits"}, {"/etc/passwd", "may contain only"},
      {"a/../../b", "may contain only"},             {"..", "may not start with '.'"},
      {".git", "may not start with '.'"},             {"", "model name is empty"},
      {std::string("a\0b", 3), "may contain only"},  {std::string(256, 'a'), "256 bytes, more than 255"},
  };
  for (const auto& c : kCases) {
    absl::Status status = running.client->LoadModel(c.name);
    EXPECT_EQ(status.code(), absl::StatusCode::kInvalidArgument) << c.message << ": " << status;
    EXPECT_THAT(std::string(status.message()), HasSubstr(c.message));
  }
}

TEST(RepositoryLoadTest, DoesNotFollowASymlinkOutOfTheRepository) {
  TestRepository outside;
  AddScaleModel(outside, "escape");
  TestRepository repository;
  std::filesystem::create_directory_symlink(outside.root() + "/escape", repository.root() + "/escape");
  RunningServer running = StartServer(repository, ModelControlMode::kExplicit);
  ASSERT_NE(running.client, nullptr);
  absl::Status status = running.client->LoadModel("escape");
  EXPECT_EQ(status.code(), absl::StatusCode::kNotFound) << status;
  EXPECT_THAT(std::string(status.message()), HasSubstr("no model 'escape'"));
}

TEST(RepositoryLoadTest, RefusesAnotherRepositoryAndUnknownOrIncompleteParameters) {
  TestRepository repository;
  AddScaleModel(repository, "scale");
  RunningServer running = StartServer(repository, ModelControlMode::kExplicit);
  ASSERT_NE(running.client, nullptr);
  auto stub = inference::GRPCInferenceService::NewStub(running.client->channel());

  inference::RepositoryModelLoadRequest other;
  other.set_repository_name("/etc");
  other.set_model_name("scale");
  inference::RepositoryModelLoadResponse response;
  grpc::ClientContext context;
  grpc::Status status = stub->RepositoryModelLoad(&context, other, &response);
  EXPECT_EQ(status.error_code(), grpc::StatusCode::NOT_FOUND) << status.error_message();
  EXPECT_THAT(status.error_message(), HasSubstr("unknown repository '/etc'"));

  // Triton's file overrides need the config they belong to.
  inference::RepositoryModelLoadRequest with_file;
  with_file.set_model_name("scale");
  (*with_file.mutable_parameters())["file:1/model.onnx"].set_bytes_param("not onnx");
  grpc::ClientContext context2;
  status = stub->RepositoryModelLoad(&context2, with_file, &response);
  EXPECT_EQ(status.error_code(), grpc::StatusCode::INVALID_ARGUMENT) << status.error_message();
  EXPECT_THAT(status.error_message(), HasSubstr("load parameter 'config' must come with the 'file:' parameters"));

  inference::RepositoryModelLoadRequest unknown;
  unknown.set_model_name("scale");
  (*unknown.mutable_parameters())["warmup"].set_bool_param(true);
  grpc::ClientContext context3;
  status = stub->RepositoryModelLoad(&context3, unknown, &response);
  EXPECT_EQ(status.error_code(), grpc::StatusCode::INVALID_ARGUMENT) << status.error_message();
  EXPECT_THAT(status.error_message(), HasSubstr("unrecognized load parameter 'warmup'"));
}

TEST(RepositoryLoadTest, ABrokenModelIsRefusedWithTheFileAndTheReason) {
  TestRepository repository;
  repository.WriteFile("typo/config.pbtxt", ScaleModelConfig("typo", "max_batch_sizee: 4"));
  repository.WriteFile("typo/1/model.onnx", ScaleModelOnnx(1.0f));
  repository.WriteFile("syntax/config.pbtxt", "name: \"syntax\"\ninput [ { name: \"x\" ");
  repository.WriteFile("syntax/1/model.onnx", ScaleModelOnnx(1.0f));
  repository.WriteFile("corrupt/config.pbtxt", ScaleModelConfig("corrupt"));
  repository.WriteFile("corrupt/1/model.onnx", "this is not an onnx file");
  repository.WriteFile("empty/config.pbtxt", ScaleModelConfig("empty"));
  repository.WriteFile("empty/1/model.onnx", "");
  repository.WriteFile("noversion/config.pbtxt", ScaleModelConfig("noversion"));
  RunningServer running = StartServer(repository, ModelControlMode::kExplicit);
  ASSERT_NE(running.client, nullptr);
  const struct {
    std::string model;
    absl::StatusCode code;
    std::string message;
  } kCases[] = {
      {"typo", absl::StatusCode::kInvalidArgument, "max_batch_sizee"},
      {"syntax", absl::StatusCode::kInvalidArgument, "config.pbtxt"},
      {"corrupt", absl::StatusCode::kInvalidArgument, "model.onnx"},
      {"empty", absl::StatusCode::kInvalidArgument, "model.onnx"},
      {"noversion", absl::StatusCode::kNotFound, "noversion"},
  };
  for (const auto& c : kCases) {
    absl::Status status = running.client->LoadModel(c.model);
    EXPECT_EQ(status.code(), c.code) << c.model << ": " << status;
    EXPECT_THAT(std::string(status.message()), HasSubstr(c.message)) << c.model;
  }
  AddScaleModel(repository, "scale");
  ASSERT_TRUE(running.client->LoadModel("scale").ok());
  EXPECT_TRUE(running.client->Infer(ScaleRequest({1, 2, 3, 4})).ok());
}

}  // namespace
}  // namespace convoy
