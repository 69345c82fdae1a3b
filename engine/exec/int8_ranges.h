// The ranges an int8 plan quantizes by (Precision::kInt8): the calibration's,
// measured at the inputs of convolutions and Gemms (and their residuals),
// and those they imply for values between, so that 8-bit values cross
// pooling and concatenation without a float32 copy:
//
//  - A MaxPool's input that only the pool reads, and that has no range,
//    takes the output's: its producer (an int8 convolution) then writes it
//    in 8 bits. Every output of a max pool is some input value, and an
//    input value outside the output's range is never the largest of its
//    window, so this rounds nothing the output's own quantization would not.
//  - A MaxPool's output takes its input's range (unless it is a graph
//    output). Its values are some of its input's, so the input's range
//    holds them, and the pool runs on the input's 8 bits at their scale.
//  - An input of a Concat whose output has a range, that only the Concat
//    reads and that has no range, takes the output's, which holds its
//    values: its producer writes it in 8 bits at the scale the
//    concatenation's readers want, and the concatenation copies 8 bits.
//    An input stored in 8 bits at a scale of its own (a max pool's output,
//    at its input's) is rescaled on its way into the output.
//  - An AveragePool whose output has a range reads its input in 8 bits, so
//    it counts among the readers above that quantize a value anyway, and
//    rescales the average into its output's range (Inception v3 averages
//    each block's input for one of its branches).
//
// GoogLeNet's inception blocks are all three: four branches concatenated,
// read by the next block's convolutions, by a max pool before a convolution,
// and every other block by a max pool before the next. VGG's max pools after
// a convolution are the first. A value read elsewhere too, or returned,
// keeps its own range: ResNet's first max pool, whose output a residual
// reads, stays float32.
#ifndef CONVOY_ENGINE_EXEC_INT8_RANGES_H_
#define CONVOY_ENGINE_EXEC_INT8_RANGES_H_

#include "engine/api/calibration.h"
#include "engine/ir/graph.h"

namespace convoy::engine {

// `measured` with the ranges above added; `graph` is the graph the plans
// are compiled from (after the graph passes, as calibrations are).
Calibration PropagateInt8Ranges(const ir::Graph& graph, const Calibration& measured);

}  // namespace convoy::engine

#endif  // CONVOY_ENGINE_EXEC_INT8_RANGES_H_
