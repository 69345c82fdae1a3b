// libFuzzer target: any byte string given to Model::LoadFromBytes must give
// a model or a Status, never a crash, a hang or a sanitizer report. Loading
// compiles a batch-1 plan, so this also drives shape inference and the
// operator builders with hostile attributes and shapes.
#include <cstddef>
#include <cstdint>
#include <string>

#include "engine/api/model.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  convoy::engine::ModelOptions options;
  options.num_threads = 1;
  options.max_value_bytes = 16 << 20;  // Keeps each input cheap to run.
  auto model = convoy::engine::Model::LoadFromBytes(
      std::string(reinterpret_cast<const char*>(data), size), "fuzz.onnx", options);
  if (model.ok()) {
    // Running with zero inputs must be refused cleanly.
    (void)(*model)->Run({});
  }
  return 0;
}
