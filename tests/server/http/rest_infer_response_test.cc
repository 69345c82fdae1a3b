#include "server/http/rest_infer_response.h"

#include <cmath>
#include <cstring>
#include <limits>
#include <random>
#include <string>
#include <vector>

#include "absl/strings/str_cat.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "rapidjson/document.h"
#include "rapidjson/stringbuffer.h"
#include "rapidjson/writer.h"
#include "server/http/rest_infer_request.h"

namespace convoy::server {
namespace {

using ::testing::HasSubstr;

constexpr unsigned kReadFlags = rapidjson::kParseFullPrecisionFlag | rapidjson::kParseNanAndInfFlag;

template <typename T>
std::string Raw(const std::vector<T>& values) {
  std::string raw(values.size() * sizeof(T), '\0');
  std::memcpy(raw.data(), values.data(), raw.size());
  return raw;
}

std::string RawBytes(const std::vector<std::string>& elements) {
  std::string raw;
  for (const std::string& element : elements) {
    const uint32_t length = static_cast<uint32_t>(element.size());
    raw.append(reinterpret_cast<const char*>(&length), 4);
    raw.append(element);
  }
  return raw;
}

void AddOutput(inference::ModelInferResponse* response, const std::string& name, const std::string& datatype,
               std::vector<int64_t> shape, std::string raw) {
  auto* output = response->add_outputs();
  output->set_name(name);
  output->set_datatype(datatype);
  for (int64_t dim : shape) output->add_shape(dim);
  response->add_raw_output_contents(std::move(raw));
}

inference::ModelInferResponse Response() {
  inference::ModelInferResponse response;
  response.set_model_name("m");
  response.set_model_version("2");
  return response;
}

RestBody EncodeOk(const inference::ModelInferResponse& response, const RestOutputFormat& format = {}) {
  absl::StatusOr<RestBody> body = EncodeRestInferResponse(response, format);
  EXPECT_TRUE(body.ok()) << body.status();
  return body.ok() ? *body : RestBody{};
}

// The JSON part of `body`, parsed.
rapidjson::Document JsonOf(const RestBody& body) {
  rapidjson::Document document;
  document.Parse<kReadFlags | rapidjson::kParseValidateEncodingFlag>(body.json_and_binary.data(),
                                                                     static_cast<size_t>(body.header_length));
  EXPECT_FALSE(document.HasParseError()) << body.json_and_binary.substr(0, body.header_length);
  return document;
}

std::string InternalError(const inference::ModelInferResponse& response) {
  absl::StatusOr<RestBody> body = EncodeRestInferResponse(response, {});
  EXPECT_FALSE(body.ok());
  if (body.ok()) return "";
  EXPECT_EQ(body.status().code(), absl::StatusCode::kInternal) << body.status();
  return std::string(body.status().message());
}

TEST(RestInferResponseTest, WritesTheAnswerAsTritonDoes) {
  inference::ModelInferResponse response = Response();
  response.set_id("r1");
  AddOutput(&response, "y", "INT32", {2}, Raw<int32_t>({1, -2}));
  const RestBody body = EncodeOk(response);
  EXPECT_EQ(body.json_and_binary,
            R"({"id":"r1","model_name":"m","model_version":"2",)"
            R"("outputs":[{"name":"y","datatype":"INT32","shape":[2],"data":[1,-2]}]})");
  EXPECT_FALSE(body.has_binary);
  EXPECT_EQ(body.header_length, static_cast<int64_t>(body.json_and_binary.size()));
}

TEST(RestInferResponseTest, LeavesOutAnEmptyIdAndWritesParametersByType) {
  inference::ModelInferResponse response = Response();
  (*response.mutable_parameters())["z"].set_string_param("s");
  (*response.mutable_parameters())["a"].set_bool_param(true);
  (*response.mutable_parameters())["m"].set_int64_param(-5);
  (*response.mutable_parameters())["d"].set_double_param(0.25);
  AddOutput(&response, "y", "BOOL", {0}, "");
  (*response.mutable_outputs(0)->mutable_parameters())["note"].set_int64_param(1);
  EXPECT_EQ(EncodeOk(response).json_and_binary,
            R"({"model_name":"m","model_version":"2","parameters":{"a":true,"d":0.25,"m":-5,"z":"s"},)"
            R"("outputs":[{"name":"y","datatype":"BOOL","shape":[0],"parameters":{"note":1},"data":[]}]})");
}

TEST(RestInferResponseTest, EveryDatatypeBecomesJsonValues) {
  inference::ModelInferResponse response = Response();
  AddOutput(&response, "bool", "BOOL", {3}, std::string("\1\0\2", 3));
  AddOutput(&response, "u8", "UINT8", {2}, Raw<uint8_t>({0, 255}));
  AddOutput(&response, "u16", "UINT16", {1}, Raw<uint16_t>({65535}));
  AddOutput(&response, "u32", "UINT32", {1}, Raw<uint32_t>({4294967295u}));
  AddOutput(&response, "u64", "UINT64", {1}, Raw<uint64_t>({~uint64_t{0}}));
  AddOutput(&response, "i8", "INT8", {2}, Raw<int8_t>({-128, 127}));
  AddOutput(&response, "i16", "INT16", {1}, Raw<int16_t>({-32768}));
  AddOutput(&response, "i32", "INT32", {1}, Raw<int32_t>({std::numeric_limits<int32_t>::min()}));
  AddOutput(&response, "i64", "INT64", {1}, Raw<int64_t>({std::numeric_limits<int64_t>::min()}));
  AddOutput(&response, "f16", "FP16", {2}, Raw<uint16_t>({0x3555, 0xfbff}));  // 0.333251953125, -65504
  AddOutput(&response, "bf16", "BF16", {1}, Raw<uint16_t>({0x4049}));         // 3.140625
  AddOutput(&response, "f64", "FP64", {1}, Raw<double>({0.1}));
  AddOutput(&response, "s", "BYTES", {2, 1}, RawBytes({"cat", ""}));
  const rapidjson::Document json = JsonOf(EncodeOk(response));
  const auto& outputs = json["outputs"];
  ASSERT_EQ(outputs.Size(), 13u);
  auto data = [&](int i) -> const rapidjson::Value& { return outputs[i]["data"]; };
  EXPECT_TRUE(data(0)[0].GetBool());
  EXPECT_FALSE(data(0)[1].GetBool());
  EXPECT_TRUE(data(0)[2].GetBool()) << "any non-zero byte is true";
  EXPECT_EQ(data(1)[1].GetUint64(), 255u);
  EXPECT_EQ(data(2)[0].GetUint64(), 65535u);
  EXPECT_EQ(data(3)[0].GetUint64(), 4294967295u);
  EXPECT_EQ(data(4)[0].GetUint64(), ~uint64_t{0});
  EXPECT_EQ(data(5)[0].GetInt64(), -128);
  EXPECT_EQ(data(6)[0].GetInt64(), -32768);
  EXPECT_EQ(data(7)[0].GetInt64(), std::numeric_limits<int32_t>::min());
  EXPECT_EQ(data(8)[0].GetInt64(), std::numeric_limits<int64_t>::min());
  EXPECT_EQ(data(9)[0].GetDouble(), 0.333251953125);
  EXPECT_EQ(data(9)[1].GetDouble(), -65504.0);
  EXPECT_EQ(data(10)[0].GetDouble(), 3.140625);
  EXPECT_EQ(data(11)[0].GetDouble(), 0.1);
  EXPECT_STREQ(data(12)[0].GetString(), "cat");
  EXPECT_STREQ(data(12)[1].GetString(), "");
  EXPECT_EQ(outputs[12]["shape"][0].GetInt64(), 2);
}

// Reads `values` back from their JSON as the client would: each number to
// the nearest double, then to float.
std::vector<float> Fp32RoundTrip(const std::vector<float>& values) {
  inference::ModelInferResponse response = Response();
  AddOutput(&response, "y", "FP32", {static_cast<int64_t>(values.size())}, Raw(values));
  const rapidjson::Document json = JsonOf(EncodeOk(response));
  std::vector<float> back;
  for (const auto& value : json["outputs"][0]["data"].GetArray()) back.push_back(static_cast<float>(value.GetDouble()));
  return back;
}

uint32_t Bits(float value) {
  uint32_t bits;
  std::memcpy(&bits, &value, 4);
  return bits;
}

TEST(RestInferResponseTest, Fp32ValuesReadBackBitExact) {
  std::vector<float> values = {0.1f, 1e-38f, 3.4e38f, -0.0f, 0.0f, 1.0f / 3, 16777217.0f,
                               std::numeric_limits<float>::max(), std::numeric_limits<float>::lowest(),
                               std::numeric_limits<float>::min(), std::numeric_limits<float>::denorm_min(),
                               -std::numeric_limits<float>::denorm_min(), 1.17549421e-38f /* largest denormal */};
  std::mt19937 random(42);
  for (int i = 0; i < 20000; ++i) {
    const uint32_t bits = random();
    float value;
    std::memcpy(&value, &bits, 4);
    if (std::isfinite(value)) values.push_back(value);
  }
  const std::vector<float> back = Fp32RoundTrip(values);
  ASSERT_EQ(back.size(), values.size());
  for (size_t i = 0; i < values.size(); ++i) {
    ASSERT_EQ(Bits(back[i]), Bits(values[i])) << "value " << i << ": " << values[i];
  }
}

TEST(RestInferResponseTest, NonFiniteNumbersAreWrittenAsTritonWritesThem) {
  inference::ModelInferResponse response = Response();
  AddOutput(&response, "y", "FP32", {3}, Raw<float>({NAN, INFINITY, -INFINITY}));
  const RestBody body = EncodeOk(response);
  EXPECT_THAT(body.json_and_binary, HasSubstr(R"("data":[NaN,Infinity,-Infinity])"));
  const rapidjson::Document json = JsonOf(body);
  EXPECT_TRUE(std::isnan(json["outputs"][0]["data"][0].GetDouble()));
  EXPECT_EQ(json["outputs"][0]["data"][2].GetDouble(), -INFINITY);
}

TEST(RestInferResponseTest, BinaryOutputsFollowTheJsonInOutputOrder) {
  inference::ModelInferResponse response = Response();
  const std::string probs = Raw<float>({0.25f, 0.75f});
  const std::string top = RawBytes({"0.750000:1:dog"});
  AddOutput(&response, "probs", "FP32", {1, 2}, probs);
  AddOutput(&response, "json", "INT8", {1}, Raw<int8_t>({4}));
  AddOutput(&response, "top", "BYTES", {1, 1}, top);
  RestOutputFormat format;
  format.all_binary = true;
  format.binary_by_output["json"] = false;
  const RestBody body = EncodeOk(response, format);
  EXPECT_TRUE(body.has_binary);
  ASSERT_EQ(body.json_and_binary.size(), body.header_length + probs.size() + top.size());
  EXPECT_EQ(body.json_and_binary.substr(body.header_length), probs + top);
  const rapidjson::Document json = JsonOf(body);
  const auto& outputs = json["outputs"];
  EXPECT_EQ(outputs[0]["parameters"]["binary_data_size"].GetUint64(), probs.size());
  EXPECT_FALSE(outputs[0].HasMember("data"));
  EXPECT_FALSE(outputs[1].HasMember("parameters"));
  EXPECT_EQ(outputs[1]["data"][0].GetInt(), 4);
  EXPECT_EQ(outputs[2]["parameters"]["binary_data_size"].GetUint64(), top.size());
  EXPECT_STREQ(outputs[2]["datatype"].GetString(), "BYTES");
}

TEST(RestInferResponseTest, ClassificationStringsAreJsonStrings) {
  inference::ModelInferResponse response = Response();
  AddOutput(&response, "probs", "BYTES", {2, 2},
            RawBytes({"0.910000:3:cat", "0.050000:1:dog", "0.500000:0", "0.400000:2:\"quoted\" label"}));
  const rapidjson::Document json = JsonOf(EncodeOk(response));
  const auto& data = json["outputs"][0]["data"];
  ASSERT_EQ(data.Size(), 4u);
  EXPECT_STREQ(data[0].GetString(), "0.910000:3:cat");
  EXPECT_STREQ(data[2].GetString(), "0.500000:0");
  EXPECT_STREQ(data[3].GetString(), "0.400000:2:\"quoted\" label");
}

TEST(RestInferResponseTest, BytesThatAreNotUtf8BecomeReplacementCharacters) {
  inference::ModelInferResponse response = Response();
  AddOutput(&response, "s", "BYTES", {2}, RawBytes({std::string("a\xff\0b\n", 5), "\xe2\x82"}));
  const RestBody body = EncodeOk(response);
  const rapidjson::Document json = JsonOf(body);  // Validates the encoding.
  const auto& data = json["outputs"][0]["data"];
  EXPECT_EQ(std::string(data[0].GetString(), data[0].GetStringLength()), std::string("a\xef\xbf\xbd\0b\n", 7));
  EXPECT_STREQ(data[1].GetString(), "\xef\xbf\xbd\xef\xbf\xbd");
  EXPECT_THAT(body.json_and_binary, HasSubstr(R"(\u0000b\n)"));
}

TEST(RestInferResponseTest, RawContentsThatDisagreeWithTheShapeAreInternalErrors) {
  inference::ModelInferResponse response = Response();
  AddOutput(&response, "y", "FP32", {2, 2}, Raw<float>({1, 2, 3}));
  EXPECT_THAT(InternalError(response), HasSubstr("output 'y' has 12 bytes of raw contents but shape [2,2] of FP32 "
                                                 "needs 16 bytes"));
  response = Response();
  AddOutput(&response, "s", "BYTES", {2}, RawBytes({"a"}));
  EXPECT_THAT(InternalError(response), HasSubstr("output 's' is BYTES with shape [2] but its raw contents are not 2"));
  response = Response();
  AddOutput(&response, "s", "BYTES", {1}, RawBytes({"abc"}).substr(0, 5));
  EXPECT_THAT(InternalError(response), HasSubstr("not 1 length-prefixed elements"));
  response = Response();
  AddOutput(&response, "y", "FP8", {1}, "x");
  EXPECT_THAT(InternalError(response), HasSubstr("output 'y' has datatype 'FP8'"));
  response = Response();
  AddOutput(&response, "y", "FP32", {-1}, "");
  EXPECT_THAT(InternalError(response), HasSubstr("dimensions must not be negative"));
  response = Response();
  AddOutput(&response, "y", "FP64", {int64_t{1} << 61, 8}, "");
  EXPECT_THAT(InternalError(response), HasSubstr("overflows int64"));
  response = Response();
  AddOutput(&response, "y", "FP64", {int64_t{1} << 61}, "");
  EXPECT_THAT(InternalError(response), HasSubstr("needs more than int64 bytes"));
  response = Response();
  AddOutput(&response, "y", "FP32", {1}, Raw<float>({1}));
  response.add_raw_output_contents("");
  EXPECT_THAT(InternalError(response), HasSubstr("1 outputs but 2 raw_output_contents"));
}

TEST(RestInferResponseTest, ValuesSurviveARestRequestAndAnswerBitExact) {
  const std::string request =
      R"({"inputs":[{"name":"f","datatype":"FP32","shape":[6],"data":[0.1,1e-38,3.4e38,-0.0,1e-45,-7]},)"
      R"({"name":"h","datatype":"FP16","shape":[2],"data":[0.1,-65504]},)"
      R"({"name":"i","datatype":"INT64","shape":[2],"data":[-9223372036854775808,42]},)"
      R"({"name":"s","datatype":"BYTES","shape":[1],"data":["caf\u00e9"]}]})";
  inference::ModelInferRequest parsed;
  ASSERT_TRUE(ParseRestInferRequest(request, std::nullopt, "m", "", &parsed).ok());
  // An echo model: each output is the input of the same name.
  inference::ModelInferResponse response = Response();
  for (int i = 0; i < parsed.inputs_size(); ++i) {
    const auto& input = parsed.inputs(i);
    AddOutput(&response, input.name(), input.datatype(), {input.shape().begin(), input.shape().end()},
              parsed.raw_input_contents(i));
  }
  const RestBody body = EncodeOk(response);
  // The answer's JSON outputs, sent back as a request, give the same bytes.
  rapidjson::Document json = JsonOf(body);
  rapidjson::Document again;
  again.SetObject();
  again.AddMember("inputs", json["outputs"], again.GetAllocator());
  rapidjson::StringBuffer text;
  rapidjson::Writer<rapidjson::StringBuffer, rapidjson::UTF8<>, rapidjson::UTF8<>, rapidjson::CrtAllocator,
                    rapidjson::kWriteNanAndInfFlag>
      writer(text);
  again.Accept(writer);
  inference::ModelInferRequest reparsed;
  ASSERT_TRUE(ParseRestInferRequest(text.GetString(), std::nullopt, "m", "", &reparsed).ok()) << text.GetString();
  ASSERT_EQ(reparsed.raw_input_contents_size(), parsed.raw_input_contents_size());
  for (int i = 0; i < parsed.raw_input_contents_size(); ++i) {
    EXPECT_EQ(reparsed.raw_input_contents(i), parsed.raw_input_contents(i)) << parsed.inputs(i).name();
  }
}

TEST(HttpStatusForTest, MapsEveryCodeAsGoogleDoes) {
  using absl::StatusCode;
  EXPECT_EQ(HttpStatusFor(StatusCode::kOk), 200);
  EXPECT_EQ(HttpStatusFor(StatusCode::kInvalidArgument), 400);
  EXPECT_EQ(HttpStatusFor(StatusCode::kFailedPrecondition), 400);
  EXPECT_EQ(HttpStatusFor(StatusCode::kOutOfRange), 400);
  EXPECT_EQ(HttpStatusFor(StatusCode::kUnauthenticated), 401);
  EXPECT_EQ(HttpStatusFor(StatusCode::kPermissionDenied), 403);
  EXPECT_EQ(HttpStatusFor(StatusCode::kNotFound), 404);
  EXPECT_EQ(HttpStatusFor(StatusCode::kAlreadyExists), 409);
  EXPECT_EQ(HttpStatusFor(StatusCode::kAborted), 409);
  EXPECT_EQ(HttpStatusFor(StatusCode::kResourceExhausted), 429);
  EXPECT_EQ(HttpStatusFor(StatusCode::kCancelled), 499);
  EXPECT_EQ(HttpStatusFor(StatusCode::kInternal), 500);
  EXPECT_EQ(HttpStatusFor(StatusCode::kUnknown), 500);
  EXPECT_EQ(HttpStatusFor(StatusCode::kDataLoss), 500);
  EXPECT_EQ(HttpStatusFor(StatusCode::kUnimplemented), 501);
  EXPECT_EQ(HttpStatusFor(StatusCode::kUnavailable), 503);
  EXPECT_EQ(HttpStatusFor(StatusCode::kDeadlineExceeded), 504);
  EXPECT_EQ(HttpStatusFor(static_cast<StatusCode>(42)), 500);
}

// The "error" member of a RestError body, which must be valid UTF-8 JSON.
std::string ErrorText(const std::string& body) {
  rapidjson::Document json;
  json.Parse<rapidjson::kParseValidateEncodingFlag>(body.data(), body.size());
  EXPECT_FALSE(json.HasParseError()) << body;
  if (json.HasParseError() || !json.IsObject() || !json.HasMember("error")) return "<not an error body>";
  EXPECT_EQ(json.MemberCount(), 1u);
  return std::string(json["error"].GetString(), json["error"].GetStringLength());
}

TEST(RestErrorTest, EscapesWhatTheMessageQuotes) {
  EXPECT_EQ(RestError("plain"), R"({"error":"plain"})");
  const std::string hostile = std::string("input '\"}\\,\n\t\x01\0x' ", 18) + "\xff\xfe" + " caf\xc3\xa9 \xed\xa0\x80";
  const std::string body = RestError(hostile);
  EXPECT_THAT(body, HasSubstr(R"(\"}\\,\n\t\u0001\u0000x)"));
  EXPECT_EQ(ErrorText(body), std::string("input '\"}\\,\n\t\x01\0x' ", 18) +
                                 "\xef\xbf\xbd\xef\xbf\xbd caf\xc3\xa9 \xef\xbf\xbd\xef\xbf\xbd\xef\xbf\xbd")
      << "invalid bytes and a UTF-16 surrogate become U+FFFD; valid UTF-8 stays";
}

TEST(RestErrorTest, ClipsLongMessagesAtACharacter) {
  std::string message(kMaxRestErrorMessageBytes - 1, 'a');
  message += "\xc3\xa9";  // Straddles the limit.
  message += std::string(1000, 'b');
  const std::string text = ErrorText(RestError(message));
  EXPECT_EQ(text, std::string(kMaxRestErrorMessageBytes - 1, 'a') + "...(1002 more bytes)");
  EXPECT_EQ(ErrorText(RestError(std::string(kMaxRestErrorMessageBytes, 'c'))),
            std::string(kMaxRestErrorMessageBytes, 'c'));
}

}  // namespace
}  // namespace convoy::server
