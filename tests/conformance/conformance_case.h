// The ONNX backend test data as Convoy's conformance runner sees it.
//
// libonnx-testdata lays each case out as
//   <root>/<suite>/<case>/model.onnx
//   <root>/<suite>/<case>/test_data_set_<N>/{input,output}_<K>.pb
// where each .pb file is one serialized TensorProto. This file finds the
// cases, reads their tensors, and reads which operators and element types a
// model uses straight from its ModelProto, without the engine, so the runner
// can tell which cases the engine is required to pass.
//
// Thread-safety: all functions are pure (they only read files).
#ifndef CONVOY_TESTS_CONFORMANCE_CONFORMANCE_CASE_H_
#define CONVOY_TESTS_CONFORMANCE_CONFORMANCE_CASE_H_

#include <cstdint>
#include <set>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "engine/api/tensor.h"

namespace convoy {
namespace conformance {

struct ConformanceCase {
  std::string suite;  // "node", "pytorch-converted"
  std::string name;   // "test_relu"
  std::string dir;    // <root>/<suite>/<name>

  std::string id() const { return suite + "/" + name; }
  std::string model_path() const { return dir + "/model.onnx"; }
};

// The directories under <root>/<suite> that hold a model.onnx, for each suite
// in order, sorted by name within a suite. A missing suite directory yields
// no cases.
std::vector<ConformanceCase> ListCases(const std::string& root,
                                       const std::vector<std::string>& suites);

// What a model uses, read from its top-level graph (subgraphs of If, Loop and
// Scan are not visited: those operators are outside Convoy's list anyway).
struct ModelFeatures {
  // Version of the default ONNX domain in opset_import; 0 if absent.
  int64_t opset = 0;
  // Node op types; an operator from a domain other than the default ONNX one
  // is recorded as "<domain>:<op_type>".
  std::set<std::string> op_types;
  // ONNX element type names ("FLOAT", "INT64", ...) of the graph inputs,
  // outputs, value_info and initializers, of tensor-valued attributes
  // (Constant, ConstantOfShape), of Constant's value_float(s)/value_int(s)/
  // value_string(s), and of the `to`/`dtype` attribute of casts and
  // generators. Non-tensor values are recorded by kind ("SEQUENCE",
  // "OPTIONAL", "MAP", "SPARSE_TENSOR").
  std::set<std::string> elem_types;
};

// NotFound if the file cannot be opened, InvalidArgument if it does not
// parse as a ModelProto.
absl::StatusOr<ModelFeatures> ReadModelFeatures(const std::string& model_path);

// The test_data_set_<N> directories of a case, sorted by N.
std::vector<std::string> ListTestDataSets(const std::string& case_dir);

// `<prefix>_0.pb`, `<prefix>_1.pb`, ... from a test data set directory, in
// order, up to the first missing index; `prefix` is "input" or "output".
// Errors are those of ReadTensorProtoFile (Unimplemented for an element type
// the engine does not take).
absl::StatusOr<std::vector<engine::Tensor>> ReadTensorFiles(const std::string& data_set_dir,
                                                            absl::string_view prefix);

}  // namespace conformance
}  // namespace convoy

#endif  // CONVOY_TESTS_CONFORMANCE_CONFORMANCE_CASE_H_
