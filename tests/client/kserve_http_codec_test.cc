// The KServe v2 REST codec without a network: ModelInferRequest to the HTTP
// request the client sends (binary tensor extension and JSON), the server's
// bytes back to a ModelInferResponse that the tensor helpers read, HTTP
// statuses to absl codes, and the target strings users give.
#include <cmath>
#include <cstring>
#include <limits>
#include <string>
#include <vector>

#include "absl/strings/str_cat.h"
#include "client/http_target.h"
#include "client/infer_tensors.h"
#include "client/kserve_http_request.h"
#include "client/kserve_http_response.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"

namespace convoy::client {
namespace {

using ::testing::ElementsAre;
using ::testing::HasSubstr;

std::string Bytes(const void* data, size_t size) { return std::string(static_cast<const char*>(data), size); }

template <typename T>
std::string Raw(std::vector<T> values) {
  return Bytes(values.data(), values.size() * sizeof(T));
}

std::string Header(const HttpRequest& request, absl::string_view name) {
  return std::string(FindHeader(request.headers, name).value_or("<absent>"));
}

// model "m" version "2", id "r1", multicrop 10, an FP32 input [1, 2] given
// raw, output "y" asked with classification 3.
inference::ModelInferRequest FloatRequest() {
  inference::ModelInferRequest request;
  request.set_model_name("m");
  request.set_model_version("2");
  request.set_id("r1");
  (*request.mutable_parameters())["multicrop"].set_int64_param(10);
  AddFp32Input(&request, "x", {1, 2}, std::vector<float>{1.5f, -2.0f});
  auto* output = request.add_outputs();
  output->set_name("y");
  (*output->mutable_parameters())["classification"].set_int64_param(3);
  return request;
}

TEST(EncodeInferRequestTest, BinaryFormPutsTensorBytesAfterTheJsonHeader) {
  absl::StatusOr<HttpRequest> http = EncodeInferRequest(FloatRequest(), HttpDataForm::kBinary);
  ASSERT_TRUE(http.ok()) << http.status();
  EXPECT_EQ(http->method, "POST");
  EXPECT_EQ(http->target, "/v2/models/m/versions/2/infer");
  const std::string header =
      R"({"id":"r1","parameters":{"multicrop":10},"inputs":[{"name":"x","shape":[1,2],"datatype":"FP32",)"
      R"("parameters":{"binary_data_size":8}}],"outputs":[{"name":"y","parameters":{"classification":3,)"
      R"("binary_data":true}}]})";
  EXPECT_EQ(Header(*http, "Content-Type"), "application/octet-stream");
  EXPECT_EQ(Header(*http, "Inference-Header-Content-Length"), absl::StrCat(header.size()));
  EXPECT_EQ(http->body, header + Raw<float>({1.5f, -2.0f}));
}

TEST(EncodeInferRequestTest, JsonFormPrintsNumbersAndAsksJsonOutputs) {
  absl::StatusOr<HttpRequest> http = EncodeInferRequest(FloatRequest(), HttpDataForm::kJson);
  ASSERT_TRUE(http.ok()) << http.status();
  EXPECT_EQ(Header(*http, "Content-Type"), "application/json");
  EXPECT_EQ(Header(*http, "Inference-Header-Content-Length"), "<absent>");
  EXPECT_EQ(http->body,
            R"({"id":"r1","parameters":{"multicrop":10},"inputs":[{"name":"x","shape":[1,2],"datatype":"FP32",)"
            R"("data":[1.5,-2]}],"outputs":[{"name":"y","parameters":{"classification":3,"binary_data":false}}]})");
}

TEST(EncodeInferRequestTest, TypedContentsEncodeAsRawContentsDo) {
  inference::ModelInferRequest typed = FloatRequest();
  typed.clear_raw_input_contents();
  typed.mutable_inputs(0)->mutable_contents()->add_fp32_contents(1.5f);
  typed.mutable_inputs(0)->mutable_contents()->add_fp32_contents(-2.0f);
  for (HttpDataForm form : {HttpDataForm::kBinary, HttpDataForm::kJson}) {
    absl::StatusOr<HttpRequest> from_typed = EncodeInferRequest(typed, form);
    absl::StatusOr<HttpRequest> from_raw = EncodeInferRequest(FloatRequest(), form);
    ASSERT_TRUE(from_typed.ok()) << from_typed.status();
    ASSERT_TRUE(from_raw.ok()) << from_raw.status();
    EXPECT_EQ(from_typed->body, from_raw->body);
    EXPECT_EQ(from_typed->headers, from_raw->headers);
  }
}

TEST(EncodeInferRequestTest, JsonFormPrintsEveryNumericTypeExactly) {
  inference::ModelInferRequest request;
  request.set_model_name("m");
  auto add = [&](const char* name, const char* datatype, std::string raw, int64_t n) {
    auto* input = request.add_inputs();
    input->set_name(name);
    input->set_datatype(datatype);
    input->add_shape(n);
    request.add_raw_input_contents(std::move(raw));
  };
  add("b", "BOOL", std::string("\x01\x00", 2), 2);
  add("i8", "INT8", Raw<int8_t>({-128, 127}), 2);
  add("u16", "UINT16", Raw<uint16_t>({65535}), 1);
  add("i64", "INT64", Raw<int64_t>({std::numeric_limits<int64_t>::min()}), 1);
  add("u64", "UINT64", Raw<uint64_t>({std::numeric_limits<uint64_t>::max()}), 1);
  add("f32", "FP32", Raw<float>({0.1f, 1e30f}), 2);
  add("f64", "FP64", Raw<double>({0.1, std::numeric_limits<double>::infinity()}), 2);
  absl::StatusOr<HttpRequest> http = EncodeInferRequest(request, HttpDataForm::kJson);
  ASSERT_TRUE(http.ok()) << http.status();
  EXPECT_THAT(http->body, HasSubstr(R"("data":[true,false])"));
  EXPECT_THAT(http->body, HasSubstr(R"("data":[-128,127])"));
  EXPECT_THAT(http->body, HasSubstr(R"("data":[65535])"));
  EXPECT_THAT(http->body, HasSubstr(R"("data":[-9223372036854775808])"));
  EXPECT_THAT(http->body, HasSubstr(R"("data":[18446744073709551615])"));
  // A float prints as the shortest text that reads back as that float.
  EXPECT_THAT(http->body, HasSubstr(R"("data":[0.1,1e+30])"));
  EXPECT_THAT(http->body, HasSubstr(R"("data":[0.1,Infinity])"));
  EXPECT_EQ(Header(*http, "Content-Type"), "application/json");
}

TEST(EncodeInferRequestTest, BytesInputsGoBinaryEvenInJsonForm) {
  inference::ModelInferRequest request;
  request.set_model_name("classifier");
  // Not text: JSON strings could not carry it.
  const std::vector<std::string> images = {std::string("\xff\xd8\x00\x01", 4), "png"};
  AddBytesInput(&request, "image", images);
  AddFp32Input(&request, "scale", {1}, std::vector<float>{0.5f});
  absl::StatusOr<HttpRequest> http = EncodeInferRequest(request, HttpDataForm::kJson);
  ASSERT_TRUE(http.ok()) << http.status();
  const std::string raw_images = request.raw_input_contents(0);
  ASSERT_EQ(raw_images.size(), 4u + 4u + 4u + 3u);
  const std::string header =
      R"({"inputs":[{"name":"image","shape":[2],"datatype":"BYTES","parameters":{"binary_data_size":15}},)"
      R"({"name":"scale","shape":[1],"datatype":"FP32","data":[0.5]}]})";
  EXPECT_EQ(Header(*http, "Content-Type"), "application/octet-stream");
  EXPECT_EQ(Header(*http, "Inference-Header-Content-Length"), absl::StrCat(header.size()));
  EXPECT_EQ(http->body, header + raw_images);
}

TEST(EncodeInferRequestTest, WithoutNamedOutputsBinaryFormAsksAllOutputsBinary) {
  inference::ModelInferRequest request;
  request.set_model_name("m");
  AddUint8Input(&request, "x", {2}, std::vector<uint8_t>{7, 8});
  absl::StatusOr<HttpRequest> http = EncodeInferRequest(request, HttpDataForm::kBinary);
  ASSERT_TRUE(http.ok()) << http.status();
  EXPECT_THAT(http->body, HasSubstr(R"({"parameters":{"binary_data_output":true},"inputs":)"));
}

TEST(EncodeInferRequestTest, ParametersOfEveryKindAreCarriedAndBinaryKeysAreTheEncoders) {
  inference::ModelInferRequest request = FloatRequest();
  auto& parameters = *request.mutable_parameters();
  parameters["a_flag"].set_bool_param(true);
  parameters["label"].set_string_param("say \"hi\"");
  parameters["binary_data_output"].set_bool_param(false);  // Not the caller's to set.
  (*request.mutable_inputs(0)->mutable_parameters())["binary_data_size"].set_int64_param(99);
  (*request.mutable_outputs(0)->mutable_parameters())["binary_data"].set_bool_param(false);
  absl::StatusOr<HttpRequest> http = EncodeInferRequest(request, HttpDataForm::kBinary);
  ASSERT_TRUE(http.ok()) << http.status();
  EXPECT_THAT(http->body, HasSubstr(R"("parameters":{"a_flag":true,"label":"say \"hi\"","multicrop":10},)"));
  EXPECT_THAT(http->body, HasSubstr(R"("parameters":{"binary_data_size":8})"));
  EXPECT_THAT(http->body, HasSubstr(R"("parameters":{"classification":3,"binary_data":true})"));
}

TEST(EncodeInferRequestTest, NamesAndVersionsArePercentEncodedInThePath) {
  inference::ModelInferRequest request = FloatRequest();
  request.set_model_name("a b/c");
  request.set_model_version("");
  absl::StatusOr<HttpRequest> http = EncodeInferRequest(request, HttpDataForm::kBinary);
  ASSERT_TRUE(http.ok()) << http.status();
  EXPECT_EQ(http->target, "/v2/models/a%20b%2Fc/infer");
  EXPECT_EQ(ModelPath("resnet-50_v1.5", "3", "/ready"), "/v2/models/resnet-50_v1.5/versions/3/ready");
  EXPECT_EQ(RepositoryModelPath("m?x", "load"), "/v2/repository/models/m%3Fx/load");
}

TEST(EncodeInferRequestTest, RefusesRequestsThatCannotBeSent) {
  inference::ModelInferRequest no_model = FloatRequest();
  no_model.clear_model_name();
  EXPECT_THAT(EncodeInferRequest(no_model, HttpDataForm::kBinary).status().message(), HasSubstr("names no model"));

  inference::ModelInferRequest half_raw = FloatRequest();
  half_raw.add_inputs()->set_name("second");
  EXPECT_THAT(EncodeInferRequest(half_raw, HttpDataForm::kBinary).status().message(),
              HasSubstr("1 raw_input_contents for 2 inputs"));

  inference::ModelInferRequest too_big = FloatRequest();
  too_big.clear_raw_input_contents();
  too_big.mutable_inputs(0)->set_datatype("INT8");
  too_big.mutable_inputs(0)->mutable_contents()->add_int_contents(300);
  absl::Status status = EncodeInferRequest(too_big, HttpDataForm::kJson).status();
  EXPECT_EQ(status.code(), absl::StatusCode::kInvalidArgument);
  EXPECT_THAT(status.message(), HasSubstr("input 'x': value 300 does not fit INT8"));

  inference::ModelInferRequest ragged = FloatRequest();
  ragged.mutable_raw_input_contents(0)->pop_back();
  EXPECT_THAT(EncodeInferRequest(ragged, HttpDataForm::kJson).status().message(),
              HasSubstr("input 'x': 7 bytes are not a whole number of FP32 elements"));
  // Binary form passes the bytes on: the server judges them.
  EXPECT_TRUE(EncodeInferRequest(ragged, HttpDataForm::kBinary).ok());
}

HttpResponse Response(int status, std::string body, HttpHeaders headers = {}) {
  HttpResponse response;
  response.status = status;
  response.body = std::move(body);
  response.headers = std::move(headers);
  return response;
}

TEST(DecodeInferResponseTest, ReadsBinaryOutputsInOrder) {
  const std::string header =
      R"({"model_name":"m","model_version":"2","id":"r1","outputs":[)"
      R"({"name":"logits","datatype":"FP32","shape":[1,3],"parameters":{"binary_data_size":12}},)"
      R"({"name":"class","datatype":"INT64","shape":[1],"parameters":{"binary_data_size":8}}]})";
  const std::string body = header + Raw<float>({0.25f, -1.0f, 3.0f}) + Raw<int64_t>({2});
  absl::StatusOr<inference::ModelInferResponse> response =
      DecodeInferResponse(Response(200, body, {{"inference-header-content-length", absl::StrCat(header.size())}}));
  ASSERT_TRUE(response.ok()) << response.status();
  EXPECT_EQ(response->model_name(), "m");
  EXPECT_EQ(response->model_version(), "2");
  EXPECT_EQ(response->id(), "r1");
  ASSERT_EQ(response->outputs_size(), 2);
  ASSERT_EQ(response->raw_output_contents_size(), 2);
  EXPECT_TRUE(response->outputs(0).parameters().empty());  // binary_data_size is the transport's.
  absl::StatusOr<Fp32Output> logits = GetFp32Output(*response, "logits");
  ASSERT_TRUE(logits.ok()) << logits.status();
  EXPECT_THAT(logits->shape, ElementsAre(1, 3));
  EXPECT_THAT(logits->values, ElementsAre(0.25f, -1.0f, 3.0f));
  EXPECT_EQ(response->raw_output_contents(1), Raw<int64_t>({2}));
}

TEST(DecodeInferResponseTest, ReadsJsonDataIntoRawContents) {
  absl::StatusOr<inference::ModelInferResponse> response = DecodeInferResponse(Response(
      200, R"({"model_name":"m","model_version":"1","parameters":{"sequence":true},"outputs":[)"
           R"({"name":"logits","datatype":"FP32","shape":[2,2],"data":[[0.5,1],[-2,NaN]]},)"
           R"({"name":"flags","datatype":"BOOL","shape":[2],"data":[true,false]},)"
           R"({"name":"ids","datatype":"UINT8","shape":[2],"data":[0,255]}]})"));
  ASSERT_TRUE(response.ok()) << response.status();
  EXPECT_TRUE(response->parameters().at("sequence").bool_param());
  absl::StatusOr<Fp32Output> logits = GetFp32Output(*response, "logits");
  ASSERT_TRUE(logits.ok()) << logits.status();
  ASSERT_EQ(logits->values.size(), 4u);
  EXPECT_EQ(logits->values[0], 0.5f);
  EXPECT_EQ(logits->values[2], -2.0f);
  EXPECT_TRUE(std::isnan(logits->values[3]));
  EXPECT_EQ(response->raw_output_contents(1), std::string("\x01\x00", 2));
  EXPECT_EQ(response->raw_output_contents(2), std::string("\x00\xff", 2));
}

TEST(DecodeInferResponseTest, BytesOutputsReadAsTheGrpcClientsDoFromJsonOrBinary) {
  const std::vector<std::string> classes = {"0.9:3:dress", "0.05:0:t-shirt"};
  // JSON: classification strings as `data`.
  absl::StatusOr<inference::ModelInferResponse> from_json = DecodeInferResponse(
      Response(200, R"({"outputs":[{"name":"probabilities","datatype":"BYTES","shape":[1,2],)"
                    R"("parameters":{"classification":2},"data":["0.9:3:dress","0.05:0:t-shirt"]}]})"));
  ASSERT_TRUE(from_json.ok()) << from_json.status();
  EXPECT_EQ(from_json->outputs(0).parameters().at("classification").int64_param(), 2);
  absl::StatusOr<std::vector<std::string>> read = GetBytesOutput(*from_json, "probabilities");
  ASSERT_TRUE(read.ok()) << read.status();
  EXPECT_EQ(*read, classes);

  // Binary: the length-prefixed serialisation as it came.
  std::string raw;
  for (const std::string& entry : classes) AppendBytesElement(entry, &raw);
  const std::string header = absl::StrCat(R"({"outputs":[{"name":"probabilities","datatype":"BYTES","shape":[1,2],)",
                                          R"("parameters":{"binary_data_size":)", raw.size(), "}}]}");
  absl::StatusOr<inference::ModelInferResponse> from_binary = DecodeInferResponse(
      Response(200, header + raw, {{"Inference-Header-Content-Length", absl::StrCat(header.size())}}));
  ASSERT_TRUE(from_binary.ok()) << from_binary.status();
  read = GetBytesOutput(*from_binary, "probabilities");
  ASSERT_TRUE(read.ok()) << read.status();
  EXPECT_EQ(*read, classes);
}

TEST(DecodeInferResponseTest, MixesJsonAndBinaryOutputs) {
  const std::string header =
      R"({"outputs":[{"name":"a","datatype":"INT32","shape":[1],"data":[7]},)"
      R"({"name":"b","datatype":"FP64","shape":[1],"parameters":{"binary_data_size":8}}]})";
  absl::StatusOr<inference::ModelInferResponse> response = DecodeInferResponse(Response(
      200, header + Raw<double>({2.5}), {{"Inference-Header-Content-Length", absl::StrCat(header.size())}}));
  ASSERT_TRUE(response.ok()) << response.status();
  EXPECT_EQ(response->raw_output_contents(0), Raw<int32_t>({7}));
  EXPECT_EQ(response->raw_output_contents(1), Raw<double>({2.5}));
}

TEST(DecodeInferResponseTest, ResponsesThatBreakTheProtocolAreInternalErrors) {
  const auto error_of = [](HttpResponse response) {
    absl::Status status = DecodeInferResponse(response).status();
    EXPECT_EQ(status.code(), absl::StatusCode::kInternal) << status;
    return std::string(status.message());
  };
  EXPECT_THAT(error_of(Response(200, "not json")), HasSubstr("not a JSON object"));
  const std::string header =
      R"({"outputs":[{"name":"y","datatype":"FP32","shape":[2],"parameters":{"binary_data_size":8}}]})";
  const HttpHeaders length = {{"Inference-Header-Content-Length", absl::StrCat(header.size())}};
  EXPECT_THAT(error_of(Response(200, header + "abc", length)), HasSubstr("binary_data_size 8 but only 3 bytes follow"));
  EXPECT_THAT(error_of(Response(200, header + std::string(12, 'x'), length)),
              HasSubstr("4 bytes of binary data follow the outputs"));
  EXPECT_THAT(error_of(Response(200, header, {{"Inference-Header-Content-Length", "100000"}})),
              HasSubstr("Inference-Header-Content-Length '100000' for a body of"));
  EXPECT_THAT(error_of(Response(200, R"({"outputs":[{"name":"y","datatype":"FP32","shape":[3],"data":[1,2]}]})")),
              HasSubstr("output 'y' has 2 elements of data for a shape of 3"));
  EXPECT_THAT(error_of(Response(200, R"({"outputs":[{"name":"y","datatype":"INT8","shape":[1],"data":[999]}]})")),
              HasSubstr("tensor 'y': element 0 of its JSON data is not a INT8 value"));
  EXPECT_THAT(error_of(Response(200, R"({"outputs":[{"name":"y","datatype":"FP32","shape":[1]}]})")),
              HasSubstr("output 'y' has neither data nor binary_data_size"));
  EXPECT_THAT(error_of(Response(200, R"({"outputs":[{"name":"y","datatype":"FP17","shape":[1],"data":[1]}]})")),
              HasSubstr("'FP17' is not a KServe datatype"));
}

TEST(StatusFromHttpTest, MapsStatusesToTheCodesAGrpcServerSends) {
  struct Case {
    int http;
    absl::StatusCode code;
  };
  for (const Case& c : {Case{400, absl::StatusCode::kInvalidArgument}, Case{401, absl::StatusCode::kUnauthenticated},
                        Case{403, absl::StatusCode::kPermissionDenied}, Case{404, absl::StatusCode::kNotFound},
                        Case{413, absl::StatusCode::kResourceExhausted},
                        Case{429, absl::StatusCode::kResourceExhausted},
                        Case{500, absl::StatusCode::kInternal}, Case{501, absl::StatusCode::kUnimplemented},
                        Case{503, absl::StatusCode::kUnavailable}, Case{504, absl::StatusCode::kDeadlineExceeded},
                        Case{507, absl::StatusCode::kInternal}, Case{418, absl::StatusCode::kUnknown}}) {
    absl::Status status = StatusFromHttp(c.http, R"({"error":"the server's words"})");
    EXPECT_EQ(status.code(), c.code) << c.http;
    EXPECT_THAT(status.message(), HasSubstr("the server's words")) << c.http;
    // The inference path maps the same way.
    EXPECT_EQ(DecodeInferResponse(Response(c.http, R"({"error":"x"})")).status().code(), c.code) << c.http;
  }
  EXPECT_TRUE(StatusFromHttp(200, "").ok());
  EXPECT_EQ(StatusFromHttp(413, R"({"error":"12 MiB over the limit"})").message(),
            "request too large: 12 MiB over the limit");
  EXPECT_EQ(StatusFromHttp(502, "<html>Bad Gateway</html>").message(), "HTTP status 502: <html>Bad Gateway</html>");
  EXPECT_EQ(StatusFromHttp(500, "").message(), "HTTP status 500 with an empty body");
  EXPECT_THAT(std::string(StatusFromHttp(500, std::string(1000, 'z')).message()),
              ::testing::EndsWith(std::string(256, 'z') + "..."));
}

TEST(ParseJsonMessageTest, ReadsProtoFieldNamesNumbersOrStringsAndIgnoresExtras) {
  inference::ModelStatisticsResponse statistics;
  ASSERT_TRUE(ParseJsonMessage(
                  R"({"model_stats":[{"name":"m","version":"1","inference_count":"12","execution_count":3,)"
                  R"("inference_stats":{"success":{"count":12,"ns":4000},"queue":{"count":12,"ns":"100"}},)"
                  R"("memory_usage":[],"response_stats":{}}]})",
                  "model statistics", &statistics)
                  .ok());
  ASSERT_EQ(statistics.model_stats_size(), 1);
  EXPECT_EQ(statistics.model_stats(0).inference_count(), 12u);
  EXPECT_EQ(statistics.model_stats(0).execution_count(), 3u);
  EXPECT_EQ(statistics.model_stats(0).inference_stats().queue().ns(), 100u);

  inference::ModelConfig config;
  ASSERT_TRUE(ParseJsonMessage(R"({"name":"m","max_batch_size":8,"input":[{"name":"x","data_type":"TYPE_FP32",)"
                               R"("dims":[3,"224",224]}]})",
                               "model configuration", &config)
                  .ok());
  EXPECT_EQ(config.max_batch_size(), 8);
  EXPECT_THAT(config.input(0).dims(), ElementsAre(3, 224, 224));

  inference::ServerMetadataResponse metadata;
  for (const char* wrong : {R"({"name": [1]})", "{", "[]"}) {
    absl::Status status = ParseJsonMessage(wrong, "server metadata", &metadata);
    EXPECT_EQ(status.code(), absl::StatusCode::kInternal) << wrong;
    EXPECT_THAT(status.message(), HasSubstr("the server's server metadata is not the JSON of a ServerMetadataResponse"));
  }
}

TEST(ParseHttpTargetTest, AcceptsHostPortAndUrls) {
  struct Case {
    const char* text;
    bool https;
    const char* host;
    const char* port;
    const char* authority;
  };
  for (const Case& c : {Case{"127.0.0.1:8000", false, "127.0.0.1", "8000", "127.0.0.1:8000"},
                        Case{"http://server:8000/", false, "server", "8000", "server:8000"},
                        Case{"https://server", true, "server", "443", "server:443"},
                        Case{"HTTP://server", false, "server", "80", "server:80"},
                        Case{"[::1]:8000", false, "::1", "8000", "[::1]:8000"}}) {
    absl::StatusOr<HttpTarget> target = ParseHttpTarget(c.text);
    ASSERT_TRUE(target.ok()) << c.text << ": " << target.status();
    EXPECT_EQ(target->https, c.https) << c.text;
    EXPECT_EQ(target->host, c.host) << c.text;
    EXPECT_EQ(target->port, c.port) << c.text;
    EXPECT_EQ(target->authority, c.authority) << c.text;
  }
  for (const char* bad : {"server", "server:http", "server:70000", ":8000", "http://server:8000/v2", "::1:8000",
                          "[::1"}) {
    EXPECT_EQ(ParseHttpTarget(bad).status().code(), absl::StatusCode::kInvalidArgument) << bad;
  }
}

TEST(ParseHttpDataFormTest, KnowsBinaryAndJson) {
  EXPECT_EQ(*ParseHttpDataForm("binary"), HttpDataForm::kBinary);
  EXPECT_EQ(*ParseHttpDataForm("json"), HttpDataForm::kJson);
  EXPECT_THAT(ParseHttpDataForm("text").status().message(), HasSubstr("binary or json, not 'text'"));
}

}  // namespace
}  // namespace convoy::client
