#include "server/http/image_body.h"

#include <cstdint>
#include <map>

#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "rapidjson/stringbuffer.h"
#include "rapidjson/writer.h"
#include "server/http/rest_route.h"
#include "server/kserve/bytes_elements.h"

namespace convoy::server {
namespace {

// Crops and classes are small numbers: anything else is a typo.
absl::StatusOr<int64_t> IntParameter(const std::map<std::string, std::string>& query, const std::string& name,
                                     int64_t fallback, int64_t min, int64_t max) {
  auto it = query.find(name);
  if (it == query.end()) return fallback;
  int64_t value = 0;
  if (!absl::SimpleAtoi(it->second, &value) || value < min || value > max) {
    return absl::InvalidArgumentError(
        absl::StrCat("query parameter '", name, "' is '", it->second, "': expected an integer from ", min, " to ", max));
  }
  return value;
}

}  // namespace

absl::StatusOr<ImageBodyRequest> BuildImageBodyRequest(const KServeOperations& operations, const std::string& name,
                                                       const std::string& version, absl::string_view query,
                                                       absl::string_view body, inference::ModelInferRequest* request) {
  inference::ModelConfigResponse found;
  if (absl::Status status = operations.ModelConfig(name, version, &found); !status.ok()) return status;
  const inference::ModelConfig& config = found.config();
  if (!config.has_preprocessing()) {
    return absl::InvalidArgumentError(absl::StrCat(
        "model '", name, "' takes no images (its config.pbtxt has no preprocessing section): send tensors as JSON "
        "or binary instead"));
  }
  absl::StatusOr<std::map<std::string, std::string>> parameters = ParseQuery(query);
  if (!parameters.ok()) return parameters.status();
  absl::StatusOr<int64_t> top_k = IntParameter(*parameters, "top_k", kDefaultImageTopK, 1, 1000);
  if (!top_k.ok()) return top_k.status();
  absl::StatusOr<int64_t> crops = IntParameter(*parameters, "multicrop", 0, 1, 10);
  if (!crops.ok()) return crops.status();
  ImageBodyRequest built;
  auto output = parameters->find("output");
  built.output = output != parameters->end() ? output->second
                 : config.output_size() > 0  ? config.output(0).name()
                                             : "";
  if (body.size() > UINT32_MAX) return absl::InvalidArgumentError("the image is over 4 GiB");

  request->set_model_name(name);
  request->set_model_version(version);
  if (*crops > 0) (*request->mutable_parameters())["multicrop"].set_int64_param(*crops);
  inference::ModelInferRequest::InferInputTensor* input = request->add_inputs();
  input->set_name(config.preprocessing().input());
  input->set_datatype("BYTES");
  input->add_shape(1);
  std::string* raw = request->add_raw_input_contents();
  raw->reserve(body.size() + 4);
  AppendBytesElement(body, raw);
  inference::ModelInferRequest::InferRequestedOutputTensor* requested = request->add_outputs();
  requested->set_name(built.output);
  (*requested->mutable_parameters())["classification"].set_int64_param(*top_k);
  return built;
}

absl::StatusOr<std::string> ImageBodyAnswer(const inference::ModelInferResponse& response,
                                            const std::string& output) {
  int index = -1;
  for (int i = 0; i < response.outputs_size(); ++i) {
    if (response.outputs(i).name() == output) index = i;
  }
  if (index < 0 || index >= response.raw_output_contents_size()) {
    return absl::InternalError(absl::StrCat("the response has no output '", output, "'"));
  }
  std::vector<absl::string_view> classes;
  if (!ForEachBytesElement(response.raw_output_contents(index),
                           [&](absl::string_view text) { classes.push_back(text); })) {
    return absl::InternalError(absl::StrCat("output '", output, "' is not whole BYTES elements"));
  }
  rapidjson::StringBuffer buffer;
  rapidjson::Writer<rapidjson::StringBuffer> json(buffer);
  json.StartObject();
  json.Key("model_name");
  json.String(response.model_name().data(), static_cast<rapidjson::SizeType>(response.model_name().size()));
  json.Key("model_version");
  json.String(response.model_version().data(), static_cast<rapidjson::SizeType>(response.model_version().size()));
  json.Key("output");
  json.String(output.data(), static_cast<rapidjson::SizeType>(output.size()));
  json.Key("classes");
  json.StartArray();
  // Each class is "<score>:<index>[:<label>]" (Triton's classification).
  for (absl::string_view text : classes) {
    const size_t first = text.find(':');
    const size_t second = first == absl::string_view::npos ? first : text.find(':', first + 1);
    double score = 0;
    int64_t class_index = 0;
    if (first == absl::string_view::npos || !absl::SimpleAtod(text.substr(0, first), &score) ||
        !absl::SimpleAtoi(text.substr(first + 1, second == absl::string_view::npos ? second : second - first - 1),
                          &class_index)) {
      return absl::InternalError(absl::StrCat("classification '", text, "' is not <score>:<index>[:<label>]"));
    }
    json.StartObject();
    json.Key("index");
    json.Int64(class_index);
    if (second != absl::string_view::npos) {
      const absl::string_view label = text.substr(second + 1);
      json.Key("label");
      json.String(label.data(), static_cast<rapidjson::SizeType>(label.size()));
    }
    json.Key("score");
    json.Double(score);
    json.EndObject();
  }
  json.EndArray();
  json.EndObject();
  return std::string(buffer.GetString(), buffer.GetSize());
}

}  // namespace convoy::server
