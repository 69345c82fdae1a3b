#include "server/http/proto_json.h"

#include <cmath>
#include <string>

#include <google/protobuf/util/json_util.h>

#include "absl/strings/str_cat.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "grpc_service.pb.h"
#include "model_config.pb.h"
#include "rapidjson/document.h"

namespace convoy::server {
namespace {

using ::testing::HasSubstr;

rapidjson::Document Parse(const std::string& text) {
  rapidjson::Document document;
  document.Parse<rapidjson::kParseValidateEncodingFlag>(text.data(), text.size());
  EXPECT_FALSE(document.HasParseError()) << text;
  return document;
}

// protobuf's own JSON of `message` (what Triton starts from).
std::string ProtobufJson(const google::protobuf::Message& message, bool print_defaults) {
  google::protobuf::util::JsonPrintOptions options;
  options.preserve_proto_field_names = true;
  options.always_print_primitive_fields = print_defaults;
  std::string json;
  EXPECT_TRUE(google::protobuf::util::MessageToJsonString(message, &json, options).ok());
  return json;
}

// Ours equals protobuf's, except that protobuf writes 64-bit integers as
// strings where ours are numbers (which is what Triton fixes up).
void ExpectSameJson(const rapidjson::Value& ours, const rapidjson::Value& theirs, const std::string& path) {
  if (theirs.IsString() && ours.IsNumber()) {
    ASSERT_TRUE(ours.IsInt64() || ours.IsUint64()) << path;
    const std::string number = ours.IsInt64() ? absl::StrCat(ours.GetInt64()) : absl::StrCat(ours.GetUint64());
    EXPECT_EQ(number, theirs.GetString()) << path;
    return;
  }
  ASSERT_EQ(ours.GetType(), theirs.GetType()) << path;
  if (ours.IsObject()) {
    EXPECT_EQ(ours.MemberCount(), theirs.MemberCount()) << path;
    for (const auto& member : theirs.GetObject()) {
      const std::string name = member.name.GetString();
      ASSERT_TRUE(ours.HasMember(name.c_str())) << path << "." << name;
      ExpectSameJson(ours[name.c_str()], member.value, path + "." + name);
    }
  } else if (ours.IsArray()) {
    ASSERT_EQ(ours.Size(), theirs.Size()) << path;
    for (rapidjson::SizeType i = 0; i < ours.Size(); ++i) {
      ExpectSameJson(ours[i], theirs[i], absl::StrCat(path, "[", i, "]"));
    }
  } else if (ours.IsNumber()) {
    EXPECT_EQ(ours.GetDouble(), theirs.GetDouble()) << path;
  } else {
    EXPECT_TRUE(ours == theirs) << path;
  }
}

void ExpectLikeTriton(const google::protobuf::Message& message, bool print_defaults) {
  ProtoJsonOptions options;
  options.print_defaults = print_defaults;
  const std::string ours = ProtoToJson(message, options);
  const std::string theirs = ProtobufJson(message, print_defaults);
  SCOPED_TRACE(absl::StrCat("ours:   ", ours, "\nprotobuf: ", theirs));
  ExpectSameJson(Parse(ours), Parse(theirs), "$");
}

inference::ModelConfig RichConfig() {
  inference::ModelConfig config;
  config.set_name("resnet50");
  config.set_platform("onnxruntime_onnx");
  config.mutable_version_policy()->mutable_specific()->add_versions(1);
  config.mutable_version_policy()->mutable_specific()->add_versions(int64_t{1} << 40);
  config.set_max_batch_size(8);
  auto* input = config.add_input();
  input->set_name("input");
  input->set_data_type(inference::TYPE_FP32);
  input->set_format(inference::ModelInput::FORMAT_NCHW);
  for (int64_t dim : {3, 224, 224}) input->add_dims(dim);
  input->mutable_reshape()->add_shape(-1);
  auto* output = config.add_output();
  output->set_name("probs");
  output->set_data_type(inference::TYPE_FP32);
  output->add_dims(1000);
  output->set_label_filename("labels.txt");
  auto* group = config.add_instance_group();
  group->set_count(2);
  group->set_kind(inference::ModelInstanceGroup::KIND_CPU);
  (*config.mutable_cc_model_filenames())["x"] = "model.onnx";
  (*config.mutable_metric_tags())["team"] = "vision";
  auto* batching = config.mutable_dynamic_batching();
  batching->add_preferred_batch_size(4);
  batching->add_preferred_batch_size(8);
  batching->set_max_queue_delay_microseconds(~uint64_t{0});
  batching->mutable_default_queue_policy()->set_timeout_action(inference::ModelQueuePolicy::DELAY);
  (*batching->mutable_priority_queue_policy())[10].set_max_queue_size(3);
  (*batching->mutable_priority_queue_policy())[2].set_allow_timeout_override(true);
  (*config.mutable_parameters())["k"].set_string_value("v");
  auto* preprocessing = config.mutable_preprocessing();
  preprocessing->set_color(inference::ImagePreprocessing::RGB);
  for (float v : {0.485f, 0.456f, 0.406f}) preprocessing->add_mean(v);
  for (float v : {0.229f, 0.224f, 0.225f}) preprocessing->add_std(v);
  preprocessing->set_max_request_pixels(int64_t{1} << 33);
  preprocessing->set_max_upscale(1e-7f);
  auto* member = config.mutable_ensemble()->add_member();
  member->set_model_name("a");
  member->set_model_version(-3);
  member->set_weight(1.0f / 3);
  config.set_no_winograd(true);
  return config;
}

TEST(ProtoJsonTest, PrintsAModelConfigAsTritonDoes) {
  ExpectLikeTriton(RichConfig(), /*print_defaults=*/true);
  ExpectLikeTriton(RichConfig(), /*print_defaults=*/false);
  ExpectLikeTriton(inference::ModelConfig(), /*print_defaults=*/true);
}

TEST(ProtoJsonTest, SixtyFourBitIntegersAreNumbersAndEnumsNames) {
  ProtoJsonOptions options;
  options.print_defaults = true;
  const std::string json = ProtoToJson(RichConfig(), options);
  EXPECT_THAT(json, HasSubstr(R"("versions":[1,1099511627776])"));
  EXPECT_THAT(json, HasSubstr(R"("data_type":"TYPE_FP32","format":"FORMAT_NCHW","dims":[3,224,224])"));
  EXPECT_THAT(json, HasSubstr(R"("max_queue_delay_microseconds":18446744073709551615)"));
  EXPECT_THAT(json, HasSubstr(R"("priority_queue_policy":{"2":{)")) << "map keys in numeric order";
  EXPECT_THAT(json, HasSubstr(R"("mean":[0.485,0.456,0.406])")) << "floats as protobuf prints them";
  EXPECT_THAT(json, HasSubstr(R"("max_upscale":1e-07)"));
  EXPECT_THAT(json, HasSubstr(R"("model_version":-3,"weight":0.333333343)"));
  EXPECT_THAT(json, HasSubstr(R"("is_shape_tensor":false)")) << "defaults printed";
  EXPECT_THAT(json, HasSubstr(R"("name":"")"));
}

TEST(ProtoJsonTest, LeavesOutDefaultsUnlessAsked) {
  inference::ModelConfig config;
  config.set_name("m");
  EXPECT_EQ(ProtoToJson(config), R"({"name":"m"})");
  ProtoJsonOptions options;
  options.print_defaults = true;
  const std::string json = ProtoToJson(config, options);
  EXPECT_THAT(json, HasSubstr(R"("max_batch_size":0)"));
  EXPECT_THAT(json, HasSubstr(R"("input":[])"));
  EXPECT_THAT(json, HasSubstr(R"("metric_tags":{})"));
  EXPECT_THAT(json, ::testing::Not(HasSubstr("version_policy"))) << "unset messages stay out";
  EXPECT_THAT(json, ::testing::Not(HasSubstr("dynamic_batching"))) << "so does an unset oneof";
}

TEST(ProtoJsonTest, PrintsStatisticsAndMetadata) {
  inference::ModelStatisticsResponse statistics;
  auto* stats = statistics.add_model_stats();
  stats->set_name("m");
  stats->set_version("1");
  stats->set_inference_count(~uint64_t{0});
  stats->mutable_inference_stats()->mutable_success()->set_count(5);
  stats->mutable_inference_stats()->mutable_success()->set_ns(123456789012345);
  stats->mutable_inference_stats()->mutable_fail();
  stats->add_batch_stats()->set_batch_size(4);
  ExpectLikeTriton(statistics, true);
  ExpectLikeTriton(statistics, false);
  EXPECT_THAT(ProtoToJson(statistics), HasSubstr(R"("inference_count":18446744073709551615)"));
  EXPECT_THAT(ProtoToJson(statistics), HasSubstr(R"("success":{"count":5,"ns":123456789012345},"fail":{})"));

  inference::ModelMetadataResponse metadata;
  metadata.set_name("m");
  metadata.add_versions("1");
  metadata.set_platform("onnxruntime_onnx");
  auto* input = metadata.add_inputs();
  input->set_name("x");
  input->set_datatype("FP32");
  for (int64_t dim : {-1, 3, 224, 224}) input->add_shape(dim);
  EXPECT_EQ(ProtoToJson(metadata),
            R"({"name":"m","versions":["1"],"platform":"onnxruntime_onnx",)"
            R"("inputs":[{"name":"x","datatype":"FP32","shape":[-1,3,224,224]}]})");
}

TEST(ProtoJsonTest, BytesAreBase64AndOddValuesSurvive) {
  inference::RepositoryModelLoadRequest load;
  load.set_model_name("m");
  (*load.mutable_parameters())["file:1/model.onnx"].set_bytes_param(std::string("\0\xff\x01", 3));
  (*load.mutable_parameters())["config"].set_string_param("{\"a\":1}");
  ExpectLikeTriton(load, false);
  EXPECT_THAT(ProtoToJson(load), HasSubstr(R"("file:1/model.onnx":{"bytes_param":"AP8B"})"));

  inference::ModelConfig config;
  config.mutable_preprocessing()->set_scale(NAN);
  config.mutable_preprocessing()->add_mean(INFINITY);
  config.mutable_preprocessing()->add_mean(-0.0f);
  config.add_input()->set_data_type(static_cast<inference::DataType>(99));
  ExpectLikeTriton(config, false);
  const std::string json = ProtoToJson(config);
  EXPECT_THAT(json, HasSubstr(R"("scale":"NaN","mean":["Infinity",-0])"));
  EXPECT_THAT(json, HasSubstr(R"("data_type":99)")) << "a value the .proto does not name";
}

TEST(ProtoJsonTest, PrintsOneFieldForAnswersThatAreArrays) {
  inference::RepositoryIndexResponse index;
  EXPECT_EQ(*ProtoFieldToJson(index, "models"), "[]");
  auto* model = index.add_models();
  model->set_name("a");
  model->set_version("1");
  model->set_state("READY");
  index.add_models()->set_name("b");
  EXPECT_EQ(*ProtoFieldToJson(index, "models"),
            R"([{"name":"a","version":"1","state":"READY"},{"name":"b"}])");
  absl::StatusOr<std::string> missing = ProtoFieldToJson(index, "model");
  EXPECT_EQ(missing.status().code(), absl::StatusCode::kNotFound);
  EXPECT_THAT(missing.status().message(), HasSubstr("inference.RepositoryIndexResponse has no field 'model'"));
}

TEST(ParseRestParametersTest, AnEmptyBodyHasNone) {
  for (const char* body : {"", " \r\n", "{}", R"({"parameters":{}})", R"({"other":1})"}) {
    absl::StatusOr<std::map<std::string, inference::ModelRepositoryParameter>> parsed = ParseRestParameters(body);
    ASSERT_TRUE(parsed.ok()) << body << ": " << parsed.status();
    EXPECT_TRUE(parsed->empty()) << body;
  }
}

TEST(ParseRestParametersTest, ReadsLoadAndUnloadParameters) {
  auto parsed = ParseRestParameters(
      R"({"parameters":{"config":"{\"max_batch_size\":4}","unload_dependents":true,"n":-2,)"
      R"("file:1/model.onnx":"AP8B"}})");
  ASSERT_TRUE(parsed.ok()) << parsed.status();
  ASSERT_EQ(parsed->size(), 4u);
  EXPECT_EQ(parsed->at("config").string_param(), "{\"max_batch_size\":4}");
  EXPECT_TRUE(parsed->at("unload_dependents").bool_param());
  EXPECT_EQ(parsed->at("n").int64_param(), -2);
  EXPECT_EQ(parsed->at("file:1/model.onnx").bytes_param(), std::string("\0\xff\x01", 3));
}

TEST(ParseRestParametersTest, RefusesWhatItCannotRead) {
  auto message = [](const std::string& body) {
    auto parsed = ParseRestParameters(body);
    EXPECT_EQ(parsed.status().code(), absl::StatusCode::kInvalidArgument) << body;
    return std::string(parsed.status().message());
  };
  EXPECT_THAT(message("{"), HasSubstr("malformed JSON in the request body"));
  EXPECT_THAT(message("[1]"), HasSubstr("the request body is an array, not a JSON object"));
  EXPECT_THAT(message(R"({"parameters":[]})"), HasSubstr("'parameters' is an array, not an object"));
  EXPECT_THAT(message(R"({"parameters":{"x":1.5}})"),
              HasSubstr("parameter 'x' is 1.5; a repository parameter is a bool, an integer or a string"));
  EXPECT_THAT(message(R"({"parameters":{"x":null}})"), HasSubstr("parameter 'x' is null"));
  EXPECT_THAT(message(R"({"parameters":{"file:a":"not base64!"}})"),
              HasSubstr("parameter 'file:a' must be the file's content in base64"));
  EXPECT_THAT(message(R"({"parameters":{"file:a":3}})"), HasSubstr("'file:a' must be"));
}

}  // namespace
}  // namespace convoy::server
