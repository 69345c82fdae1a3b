// Products: the operators that multiply a data input (input 0) by weights
// (input 1), convolutions and matrix products, where nearly all of a
// model's arithmetic goes. Every decision that turns on "is this a
// product" reads this one list: which weights a plan may release once the
// WeightCache holds a copy (PlanOptions::release_weights), and which values
// an int8 model calibrates (Model::calibrated_values) and reads in 8 bits.
//
// Thread-safety: pure functions.
#ifndef CONVOY_ENGINE_EXEC_PRODUCTS_H_
#define CONVOY_ENGINE_EXEC_PRODUCTS_H_

#include "engine/ir/graph.h"

namespace convoy::engine {

// True for Conv, Gemm and MatMul.
bool IsProduct(const ir::Node& node);

// True for the products that run in int8 under Precision::kInt8 when their
// weights are constant and their data input calibrated: Conv and Gemm
// (engine/ops/conv.cc, engine/ops/matmul.cc). MatMul stays float32.
bool IsInt8Product(const ir::Node& node);

// True where `node` is an int8 product and input `i` its data input, read
// with constant weights: the values an int8 model calibrates, and reads in
// 8 bits (engine/exec/int8_ranges.h).
bool QuantizesInput(const ir::Graph& graph, const ir::Node& node, size_t i);

// True where `node` is a Conv that QuantizesInput 0 and input `i` the
// residual fused into it (input 3, engine/passes/graph_passes.h): an int8
// model calibrates it too, and holds it in 8 bits in the convolution's
// output where that is stored in 8 bits (engine/ops/conv.cc).
bool QuantizesResidual(const ir::Graph& graph, const ir::Node& node, size_t i);

}  // namespace convoy::engine

#endif  // CONVOY_ENGINE_EXEC_PRODUCTS_H_
