#include "client/infer_tensors.h"

#include <cstring>

#include "absl/strings/str_cat.h"

namespace convoy::client {
namespace {

int OutputIndex(const inference::ModelInferResponse& response, const std::string& name) {
  for (int i = 0; i < response.outputs_size(); ++i) {
    if (response.outputs(i).name() == name) return i;
  }
  return -1;
}

absl::Status NoOutput(const inference::ModelInferResponse& response, const std::string& name) {
  std::string names;
  for (const auto& output : response.outputs()) absl::StrAppend(&names, names.empty() ? "" : ", ", output.name());
  return absl::NotFoundError(absl::StrCat("response has no output '", name, "' (it has: ", names, ")"));
}

void AddRawInput(inference::ModelInferRequest* request, const std::string& name,
                 const char* datatype, const std::vector<int64_t>& shape, const void* data,
                 size_t bytes) {
  auto* input = request->add_inputs();
  input->set_name(name);
  input->set_datatype(datatype);
  for (int64_t dim : shape) input->add_shape(dim);
  request->add_raw_input_contents()->assign(static_cast<const char*>(data), bytes);
}

}  // namespace

void AddFp32Input(inference::ModelInferRequest* request, const std::string& name,
                  const std::vector<int64_t>& shape, absl::Span<const float> values) {
  AddRawInput(request, name, "FP32", shape, values.data(), values.size() * sizeof(float));
}

void AddUint8Input(inference::ModelInferRequest* request, const std::string& name,
                   const std::vector<int64_t>& shape, absl::Span<const uint8_t> values) {
  AddRawInput(request, name, "UINT8", shape, values.data(), values.size());
}

void AppendBytesElement(absl::string_view element, std::string* raw) {
  const auto length = static_cast<uint32_t>(element.size());
  for (int shift = 0; shift < 32; shift += 8) raw->push_back(static_cast<char>((length >> shift) & 0xff));
  raw->append(element.data(), element.size());
}

absl::StatusOr<std::vector<std::string>> SplitBytesElements(absl::string_view raw) {
  std::vector<std::string> elements;
  size_t pos = 0;
  while (pos < raw.size()) {
    if (raw.size() - pos < 4) return absl::DataLossError("truncated BYTES element length");
    const auto* p = reinterpret_cast<const unsigned char*>(raw.data() + pos);
    const size_t length = p[0] | (p[1] << 8) | (p[2] << 16) | (static_cast<size_t>(p[3]) << 24);
    pos += 4;
    if (raw.size() - pos < length) return absl::DataLossError("truncated BYTES element");
    elements.emplace_back(raw.substr(pos, length));
    pos += length;
  }
  return elements;
}

void AddBytesInput(inference::ModelInferRequest* request, const std::string& name,
                   absl::Span<const std::string> elements) {
  std::string raw;
  for (const std::string& element : elements) AppendBytesElement(element, &raw);
  AddRawInput(request, name, "BYTES", {static_cast<int64_t>(elements.size())}, raw.data(), raw.size());
}

absl::StatusOr<Fp32Output> GetFp32Output(const inference::ModelInferResponse& response,
                                         const std::string& name) {
  const int index = OutputIndex(response, name);
  if (index < 0) return NoOutput(response, name);
  const auto& output = response.outputs(index);
  if (output.datatype() != "FP32") {
    return absl::InvalidArgumentError(
        absl::StrCat("output '", name, "' is ", output.datatype(), ", not FP32"));
  }
  Fp32Output result;
  result.shape.assign(output.shape().begin(), output.shape().end());
  if (index < response.raw_output_contents_size()) {
    const std::string& raw = response.raw_output_contents(index);
    if (raw.size() % sizeof(float) != 0) {
      return absl::DataLossError(absl::StrCat("output '", name, "' has ", raw.size(),
                                              " bytes, not a whole number of floats"));
    }
    result.values.resize(raw.size() / sizeof(float));
    std::memcpy(result.values.data(), raw.data(), raw.size());
  } else {
    result.values.assign(output.contents().fp32_contents().begin(),
                         output.contents().fp32_contents().end());
  }
  return result;
}

absl::StatusOr<std::vector<std::string>> GetBytesOutput(
    const inference::ModelInferResponse& response, const std::string& name) {
  const int index = OutputIndex(response, name);
  if (index < 0) return NoOutput(response, name);
  const auto& output = response.outputs(index);
  if (output.datatype() != "BYTES") {
    return absl::InvalidArgumentError(
        absl::StrCat("output '", name, "' is ", output.datatype(), ", not BYTES"));
  }
  if (index >= response.raw_output_contents_size()) {
    return std::vector<std::string>(output.contents().bytes_contents().begin(),
                                    output.contents().bytes_contents().end());
  }
  return SplitBytesElements(response.raw_output_contents(index));
}

}  // namespace convoy::client
