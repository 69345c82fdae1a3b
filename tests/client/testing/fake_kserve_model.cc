#include "tests/client/testing/fake_kserve_model.h"

#include <vector>

#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "client/infer_tensors.h"
#include "rapidjson/document.h"

namespace convoy::testing {
namespace {

CannedResponse Json(int status, std::string body) {
  CannedResponse response;
  response.status = status;
  response.headers = {{"Content-Type", "application/json"}};
  response.body = std::move(body);
  return response;
}

CannedResponse Error(int status, const std::string& message) {
  return Json(status, absl::StrCat(R"({"error":")", message, R"("})"));
}

}  // namespace

CannedResponse FakeKServeModel::Handle(const RecordedRequest& request) {
  const std::string model = absl::StrCat("/v2/models/", name_);
  if (request.target == "/v2/health/live" || request.target == "/v2/health/ready") return Json(200, "");
  if (request.target == model + "/ready") return Json(200, "");
  if (request.target == model) {
    return Json(200, absl::StrCat(R"({"name":")", name_, R"(","versions":["1"],"platform":"fake",)",
                                  R"("inputs":[{"name":"image","datatype":")", input_datatype_, R"(","shape":)",
                                  input_datatype_ == "BYTES" ? "[-1]" : "[-1,4]", "}],",
                                  R"("outputs":[{"name":"probabilities","datatype":"FP32","shape":[-1,)", classes_,
                                  "]}]}"));
  }
  if (request.target == model + "/stats") return Statistics();
  if (request.target == model + "/infer" && request.method == "POST") return Infer(request);
  return Error(404, absl::StrCat("no ", request.method, " ", request.target, " here"));
}

CannedResponse FakeKServeModel::Statistics() const {
  const int64_t n = inferences_.load();
  return Json(200, absl::StrCat(R"({"model_stats":[{"name":")", name_, R"(","version":"1","inference_count":)",
                                items_.load(), R"(,"execution_count":)", n,
                                R"(,"inference_stats":{"success":{"count":)", n, R"(,"ns":)", n * 1000,
                                R"(},"queue":{"count":)", n, R"(,"ns":)", n * 500, R"(},"compute_infer":{"count":)", n,
                                R"(,"ns":)", n * 2000, "}}}]}"));
}

CannedResponse FakeKServeModel::Infer(const RecordedRequest& request) {
  size_t header_bytes = request.body.size();
  if (std::optional<absl::string_view> length = client::FindHeader(request.headers, "Inference-Header-Content-Length")) {
    if (!absl::SimpleAtoi(*length, &header_bytes) || header_bytes > request.body.size()) {
      return Error(400, "bad Inference-Header-Content-Length");
    }
  }
  rapidjson::Document json;
  json.Parse(request.body.data(), header_bytes);
  if (json.HasParseError() || !json.IsObject() || !json.HasMember("inputs") || !json["inputs"].IsArray() ||
      json["inputs"].Empty() || !json["inputs"][0]["shape"].IsArray() || json["inputs"][0]["shape"].Empty()) {
    return Error(400, "the request is not a KServe inference request");
  }
  const int64_t batch = json["inputs"][0]["shape"][0].GetInt64();
  bool binary = json.HasMember("parameters") && json["parameters"].HasMember("binary_data_output") &&
                json["parameters"]["binary_data_output"].GetBool();
  int64_t top = 0;
  if (json.HasMember("outputs")) {
    for (const auto& output : json["outputs"].GetArray()) {
      if (!output.HasMember("parameters")) continue;
      const auto& parameters = output["parameters"];
      if (parameters.HasMember("binary_data")) binary = parameters["binary_data"].GetBool();
      if (parameters.HasMember("classification")) top = parameters["classification"].GetInt64();
    }
  }
  inferences_.fetch_add(1);
  items_.fetch_add(batch);

  std::string datatype = "FP32";
  std::vector<int64_t> shape = {batch, top > 0 ? top : classes_};
  std::string raw;
  std::vector<std::string> text;  // JSON data elements.
  for (int64_t i = 0; i < batch; ++i) {
    const int64_t winner = i % classes_;
    if (top > 0) {
      datatype = "BYTES";
      for (int64_t k = 0; k < top; ++k) {
        const int64_t index = (winner + k) % classes_;
        const std::string entry = absl::StrCat(k == 0 ? "0.9" : "0.01", ":", index, ":class-", index);
        client::AppendBytesElement(entry, &raw);
        text.push_back(absl::StrCat("\"", entry, "\""));
      }
      continue;
    }
    for (int64_t c = 0; c < classes_; ++c) {
      const float p = c == winner ? 0.9f : 0.1f / static_cast<float>(classes_ - 1);
      raw.append(reinterpret_cast<const char*>(&p), sizeof(p));
      text.push_back(absl::StrCat(p));
    }
  }
  std::string output = absl::StrCat(R"({"name":"probabilities","datatype":")", datatype, R"(","shape":[)",
                                    absl::StrJoin(shape, ","), "]");
  if (binary) {
    absl::StrAppend(&output, R"(,"parameters":{"binary_data_size":)", raw.size(), "}}");
  } else {
    absl::StrAppend(&output, R"(,"data":[)", absl::StrJoin(text, ","), "]}");
  }
  const std::string header = absl::StrCat(R"({"model_name":")", name_, R"(","model_version":"1","outputs":[)",
                                          output, "]}");
  CannedResponse response;
  if (binary) {
    response.headers = {{"Content-Type", "application/octet-stream"},
                        {"Inference-Header-Content-Length", absl::StrCat(header.size())}};
    response.body = header + raw;
  } else {
    response.headers = {{"Content-Type", "application/json"}};
    response.body = header;
  }
  return response;
}

}  // namespace convoy::testing
