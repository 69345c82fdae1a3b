// Sliding-window geometry shared by Conv and the pooling operators:
// kernel, strides, dilations, explicit or automatic padding, ceil mode.
#ifndef CONVOY_ENGINE_OPS_WINDOW_H_
#define CONVOY_ENGINE_OPS_WINDOW_H_

#include <vector>

#include "absl/status/statusor.h"
#include "dnnl.hpp"
#include "engine/exec/op_context.h"

namespace convoy::engine {

struct Window {
  std::vector<int64_t> kernel;
  std::vector<int64_t> strides;
  std::vector<int64_t> dilations;  // ONNX convention: 1 = dense.
  std::vector<int64_t> pad_begin;
  std::vector<int64_t> pad_end;    // As written in the model.
  // What oneDNN needs at the end so that it produces `out` (differs from
  // pad_end only in ceil mode, where the last window may hang over).
  std::vector<int64_t> pad_end_effective;
  std::vector<int64_t> out;

  dnnl::memory::dims OneDnnStrides() const { return {strides.begin(), strides.end()}; }
  dnnl::memory::dims OneDnnDilations() const;  // oneDNN convention: 0 = dense.
  dnnl::memory::dims OneDnnPadBegin() const { return {pad_begin.begin(), pad_begin.end()}; }
  dnnl::memory::dims OneDnnPadEnd() const {
    return {pad_end_effective.begin(), pad_end_effective.end()};
  }
  bool HasPadding() const;
};

// Reads strides, dilations, pads and auto_pad from the node's attributes for
// `spatial` input sizes and the given kernel; errors name the attribute.
absl::StatusOr<Window> ComputeWindow(const OpContext& ctx, const std::vector<int64_t>& spatial,
                                     const std::vector<int64_t>& kernel, bool ceil_mode);

}  // namespace convoy::engine

#endif  // CONVOY_ENGINE_OPS_WINDOW_H_
