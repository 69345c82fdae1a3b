// --input-data FILE.json: perf_analyzer's JSON layout of real input data
// (its docs/input_data.md), one entry per batch item, sent in order and
// cycled:
//
//   {"data": [
//     {"INPUT0": [1, 2, 3, 4], "INPUT1": ["a", "b"]},              flat values, row-major
//     {"INPUT0": {"content": [1, 2, 3, 4], "shape": [2, 2]}, ...},  a shape for variable dims
//     {"INPUT0": {"b64": "AACAPwAAAEA="}, ...},                       raw little-endian bytes
//     {"INPUT0": {"content": {"b64": "..."}, "shape": [2]}, ...}
//   ]}
//
// Each entry gives every input of the model, and nothing else. Values must
// be of the input's datatype and range (BOOL true/false, integers within
// their type, FP32/FP64 numbers, BYTES strings); FP16 and BF16 have no JSON
// number form and come as "b64". For BYTES, "b64" holds the serialised
// elements (each a 4-byte little-endian length, then its bytes), as
// perf_analyzer says. Without "shape", an input's shape is the model's, with
// --shape applied.
//
// What perf_analyzer accepts and convoy-loadgen refuses, with a message:
// "validation_data" (outputs are not checked), and sequence streams (an entry
// that is itself an array): convoy-loadgen sends no sequences.
//
// Thread-safety: plain functions.
#ifndef CONVOY_TOOLS_CONVOY_LOADGEN_JSON_INPUT_DATA_H_
#define CONVOY_TOOLS_CONVOY_LOADGEN_JSON_INPUT_DATA_H_

#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "tools/convoy_loadgen/input_data.h"
#include "tools/convoy_loadgen/model_inputs.h"

namespace convoy {

// The entries of `json`, the text of `source` (a file name, for messages).
// InvalidArgument naming the source, the entry (data[i]) and the input for
// anything that does not fit the layout or the model; also for no entries
// or more than limits.max_entries.
absl::StatusOr<std::vector<InputEntry>> ParseJsonInputData(absl::string_view json, const std::string& source,
                                                           const ModelInputs& inputs, const InputDataLimits& limits);

// ParseJsonInputData of the file at `path`, read within
// limits.max_file_bytes.
absl::StatusOr<std::vector<InputEntry>> ReadJsonInputData(const std::string& path, const ModelInputs& inputs,
                                                          const InputDataLimits& limits);

}  // namespace convoy

#endif  // CONVOY_TOOLS_CONVOY_LOADGEN_JSON_INPUT_DATA_H_
