// --input-data zero|random|FILE.json|DIR, as perf_analyzer reads it: where
// the tensors of the requests come from, and the data a file or a directory
// holds, one batch item of every input per entry.
//
//   zero, random   synthetic data (synthetic_request.h), shaped by the model
//                  and --shape
//   FILE.json      perf_analyzer's layout (json_input_data.h): entries sent
//                  in order, cycled
//   DIR            one file per input, named after the input: its raw
//                  little-endian bytes for one batch item, in row-major
//                  order; for a BYTES input, a text file of one element per
//                  line. Files named after anything else (perf_analyzer's
//                  output files, for instance) are refused, as
//                  perf_analyzer refuses them; one entry.
//
// Everything read is bounded (InputDataLimits), and every error names the
// file, the entry and the input.
//
// Thread-safety: plain values and functions.
#ifndef CONVOY_TOOLS_CONVOY_LOADGEN_INPUT_DATA_H_
#define CONVOY_TOOLS_CONVOY_LOADGEN_INPUT_DATA_H_

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "grpc_service.pb.h"
#include "tools/convoy_loadgen/model_inputs.h"

namespace convoy {

struct InputDataSource {
  enum class Kind { kZero, kRandom, kJsonFile, kDirectory };
  Kind kind = Kind::kRandom;
  std::string path;  // kJsonFile, kDirectory.
};

// "zero", "random" (or empty, the default), a directory, or any other file
// (read as JSON). NotFound naming the path when it is none of those.
absl::StatusOr<InputDataSource> ParseInputDataFlag(const std::string& value);

struct InputDataLimits {
  // Each file read: a JSON file, a file of a directory. Larger ones are
  // refused before they are read.
  int64_t max_file_bytes = int64_t{256} << 20;
  // Entries of a JSON file's "data".
  int64_t max_entries = 100000;
  // All requests built from the data together (synthetic ones too): a
  // --shape or --batch that would need more is refused, not allocated.
  int64_t max_total_bytes = int64_t{1} << 30;
};

// One input's part of an entry: the shape of one batch item and its bytes
// in the raw form of the protocol (little-endian elements; BYTES elements
// each framed by a 4-byte little-endian length).
struct EntryTensor {
  std::vector<int64_t> shape;
  std::string raw;
};
// One batch item of every input, in ModelInputs::inputs' order.
using InputEntry = std::vector<EntryTensor>;

// `raw` as one batch item of `input` of `shape` (nullopt: the input's dims,
// with --shape applied). InvalidArgument when a size is still variable (so
// the entry or --shape must give it), the shape does not fit the model's,
// or `raw` holds another number of elements than the shape.
absl::StatusOr<EntryTensor> MakeEntryTensor(const InputSpec& input, std::optional<std::vector<int64_t>> shape,
                                            std::string raw);

// Appends an input of `datatype` and `shape` to `request`, with `raw` as its
// raw_input_contents.
void AddRawInput(inference::ModelInferRequest* request, const std::string& name, const std::string& datatype,
                 const std::vector<int64_t>& shape, std::string raw);

// The one entry of a directory of per-input files (see above).
absl::StatusOr<InputEntry> ReadDirectoryInputData(const std::string& dir, const ModelInputs& inputs,
                                                  const InputDataLimits& limits);

}  // namespace convoy

#endif  // CONVOY_TOOLS_CONVOY_LOADGEN_INPUT_DATA_H_
