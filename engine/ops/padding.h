// Constant padding of a value into a larger buffer, plain or, where only
// the spatial dimensions of an input in whole channel blocks are padded, in
// its blocks: each run fills the border and copies (reorders) the input
// into the interior; a constant input is padded once, when the plan is
// compiled. Used by Pad and by AveragePool's count_include_pad with ceil
// mode, which oneDNN cannot express directly.
#ifndef CONVOY_ENGINE_OPS_PADDING_H_
#define CONVOY_ENGINE_OPS_PADDING_H_

#include <vector>

#include "dnnl.hpp"
#include "engine/exec/op_context.h"

namespace convoy::engine {

// Returns memory of the input `input` padded by `begin`/`end` elements
// per dimension (one entry per dimension, non-negative) with `value`.
dnnl::memory PadConstant(OpContext& ctx, size_t input, const std::vector<int64_t>& begin,
                         const std::vector<int64_t>& end, float value);

// As above, with the value read at run time from the one-element input
// `value_input`: the border is refilled on every run.
dnnl::memory PadWithRuntimeValue(OpContext& ctx, size_t input, const std::vector<int64_t>& begin,
                                 const std::vector<int64_t>& end, size_t value_input);

}  // namespace convoy::engine

#endif  // CONVOY_ENGINE_OPS_PADDING_H_
