#include "tools/convoy_loadgen/input_data.h"

#include <sys/stat.h>

#include <algorithm>
#include <filesystem>
#include <system_error>
#include <utility>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_split.h"
#include "client/infer_tensors.h"
#include "client/json_tensor.h"
#include "common/bounded_file.h"

namespace convoy {
namespace {

std::string ElementsText(int64_t count, const std::string& datatype, const std::vector<int64_t>& shape) {
  return absl::StrCat(count, " ", datatype, " element", count == 1 ? "" : "s", " of shape ", DimsText(shape));
}

// The elements of a BYTES tensor in the protocol's framing, counted without
// copying them (a file of empty elements would otherwise take many times its
// size); InvalidArgument if the framing is cut short.
absl::StatusOr<int64_t> CountBytesElements(absl::string_view raw) {
  int64_t count = 0;
  while (!raw.empty()) {
    if (raw.size() < 4) return absl::InvalidArgumentError("a length is cut short");
    const auto* p = reinterpret_cast<const unsigned char*>(raw.data());
    const uint64_t length = p[0] | (p[1] << 8) | (p[2] << 16) | (static_cast<uint64_t>(p[3]) << 24);
    raw.remove_prefix(4);
    if (raw.size() < length) return absl::InvalidArgumentError("an element is cut short");
    raw.remove_prefix(length);
    ++count;
  }
  return count;
}

// A text file's lines as BYTES elements, as std::getline reads them
// (perf_analyzer's reader): a last line without '\n' counts, and nothing
// follows the last '\n'.
std::string LinesAsBytes(absl::string_view text) {
  if (!text.empty() && text.back() == '\n') text.remove_suffix(1);
  std::string raw;
  for (absl::string_view line : absl::StrSplit(text, '\n')) client::AppendBytesElement(line, &raw);
  return raw;
}

}  // namespace

absl::StatusOr<InputDataSource> ParseInputDataFlag(const std::string& value) {
  InputDataSource source;
  if (value.empty() || value == "random") return source;
  if (value == "zero") {
    source.kind = InputDataSource::Kind::kZero;
    return source;
  }
  struct stat info {};
  if (stat(value.c_str(), &info) != 0) {
    return absl::NotFoundError(
        absl::StrCat("--input-data ", value, ": no such file or directory (give zero, random, a JSON file or a "
                     "directory)"));
  }
  source.kind = S_ISDIR(info.st_mode) ? InputDataSource::Kind::kDirectory : InputDataSource::Kind::kJsonFile;
  source.path = value;
  return source;
}

absl::StatusOr<EntryTensor> MakeEntryTensor(const InputSpec& input, std::optional<std::vector<int64_t>> given,
                                            std::string raw) {
  std::vector<int64_t> shape = given ? *std::move(given) : input.dims;
  if (!given) {
    for (int64_t dim : shape) {
      if (dim != -1) continue;
      return absl::InvalidArgumentError(absl::StrCat(
          "input '", input.name, "' has variable dims ", DimsText(input.dims),
          ": give its shape with --shape ", input.name,
          ":D1,D2,... (in a JSON file, a \"shape\" beside the \"content\" also does)"));
    }
  }
  if (absl::Status fits = CheckShapeFits(input, shape); !fits.ok()) return fits;
  absl::StatusOr<int64_t> count = ElementCount(shape);
  if (!count.ok()) return count.status();
  absl::StatusOr<size_t> element_bytes = client::ElementBytes(input.datatype);
  if (!element_bytes.ok()) {
    return absl::InvalidArgumentError(absl::StrCat("input '", input.name, "': ", element_bytes.status().message()));
  }
  if (*element_bytes == 0) {  // BYTES: count the framed elements.
    absl::StatusOr<int64_t> elements = CountBytesElements(raw);
    if (!elements.ok()) {
      return absl::InvalidArgumentError(absl::StrCat(
          "input '", input.name, "': BYTES data is not 4-byte little-endian lengths each followed by that many "
          "bytes (", elements.status().message(), ")"));
    }
    if (*elements != *count) {
      return absl::InvalidArgumentError(absl::StrCat("input '", input.name, "': ", *elements,
                                                     " BYTES elements, not the ",
                                                     ElementsText(*count, input.datatype, shape)));
    }
  } else {
    int64_t bytes = 0;
    const bool overflow = __builtin_mul_overflow(*count, static_cast<int64_t>(*element_bytes), &bytes);
    if (overflow || static_cast<int64_t>(raw.size()) != bytes) {
      return absl::InvalidArgumentError(absl::StrCat("input '", input.name, "': ", raw.size(), " bytes, not the ",
                                                     ElementsText(*count, input.datatype, shape), " (",
                                                     overflow ? "too many" : absl::StrCat(bytes), " bytes)"));
    }
  }
  return EntryTensor{std::move(shape), std::move(raw)};
}

void AddRawInput(inference::ModelInferRequest* request, const std::string& name, const std::string& datatype,
                 const std::vector<int64_t>& shape, std::string raw) {
  inference::ModelInferRequest::InferInputTensor* input = request->add_inputs();
  input->set_name(name);
  input->set_datatype(datatype);
  for (int64_t dim : shape) input->add_shape(dim);
  *request->add_raw_input_contents() = std::move(raw);
}

absl::StatusOr<InputEntry> ReadDirectoryInputData(const std::string& dir, const ModelInputs& inputs,
                                                  const InputDataLimits& limits) {
  std::error_code error;
  for (const auto& file : std::filesystem::directory_iterator(dir, error)) {
    const std::string name = file.path().filename().string();
    if (inputs.Find(name) == nullptr) {
      return absl::InvalidArgumentError(absl::StrCat(
          "--input-data ", dir, ": file '", name, "' is not named after an input of model '", inputs.model,
          "' (its inputs: ", inputs.Names(), "); output files for validation are not supported"));
    }
  }
  if (error) return absl::InvalidArgumentError(absl::StrCat("--input-data ", dir, ": ", error.message()));
  InputEntry entry;
  for (const InputSpec& input : inputs.inputs) {
    const std::string path = absl::StrCat(dir, "/", input.name);
    absl::StatusOr<std::string> contents = ReadBoundedFile(path, limits.max_file_bytes);
    if (!contents.ok()) {
      return absl::Status(contents.status().code(),
                          absl::StrCat("--input-data ", dir, ": input '", input.name, "': ",
                                       contents.status().message()));
    }
    if (contents->empty()) return absl::InvalidArgumentError(absl::StrCat("--input-data ", path, ": file is empty"));
    std::string raw = *std::move(contents);
    if (input.datatype == "BYTES") {
      // One element per line; a count other than the shape's is refused
      // before the lines are framed.
      const int64_t lines = std::count(raw.begin(), raw.end(), '\n') + (raw.back() == '\n' ? 0 : 1);
      absl::StatusOr<int64_t> expected = ElementCount(input.dims);
      if (expected.ok() && lines != *expected) {
        return absl::InvalidArgumentError(absl::StrCat("--input-data ", path, ": input '", input.name, "': ", lines,
                                                       " lines, not the ",
                                                       ElementsText(*expected, input.datatype, input.dims)));
      }
      raw = expected.ok() ? LinesAsBytes(raw) : std::string();  // Variable dims: MakeEntryTensor says so.
    }
    absl::StatusOr<EntryTensor> tensor = MakeEntryTensor(input, std::nullopt, std::move(raw));
    if (!tensor.ok()) {
      return absl::InvalidArgumentError(absl::StrCat("--input-data ", path, ": ", tensor.status().message()));
    }
    entry.push_back(*std::move(tensor));
  }
  return entry;
}

}  // namespace convoy
