// Rewrite passes over the IR graph, run once at load (see OptimizeGraph).
//
// Each pass is a rule in the manner of onnxruntime's optimizers: find a
// pattern, check its preconditions, rewrite. Declining to rewrite is never
// an error; a pass returns a Status only for a graph it finds inconsistent.
// Every pass keeps the graph's outputs equal (to float rounding) to what the
// unoptimised graph computes; tests/engine/passes proves it per pass.
//
// Fusions are recorded as attributes in the "convoy." namespace on the node
// that absorbs its neighbour (the loader refuses such names from files):
//   convoy.activation  string  Relu | LeakyRelu | Tanh | Sigmoid | Clip |
//                              HardSigmoid | HardSwish | Swish (x * Sigmoid(x),
//                              SiLU), applied to the node's output (a post-op)
//   convoy.alpha, convoy.beta  float  the activation's parameters
//   convoy.sum         int     1: the Conv's input 3 is added to its result
//                              (before the activation): a residual Add
// Values that a pass removes (a Conv's output before its ReLU, say) can no
// longer be requested as outputs; Model compiles such requests from the
// unoptimised graph.
#ifndef CONVOY_ENGINE_PASSES_GRAPH_PASSES_H_
#define CONVOY_ENGINE_PASSES_GRAPH_PASSES_H_

#include "absl/status/status.h"
#include "engine/ir/graph.h"

namespace convoy::engine {

inline constexpr char kActivationAttr[] = "convoy.activation";
inline constexpr char kAlphaAttr[] = "convoy.alpha";
inline constexpr char kBetaAttr[] = "convoy.beta";
inline constexpr char kSumAttr[] = "convoy.sum";

// Identity, inference-mode Dropout and Pad by zero forward their input.
absl::Status RemoveIdentities(ir::Graph& graph);

// Pad by zeros (constant mode, spatial axes only) → AveragePool without pads
// of its own becomes the AveragePool with those pads, counted in the
// divisor (count_include_pad): PyTorch exports avg_pool2d(padding=p) so
// (Inception v3's pool branches). The pool then pads as it averages, in
// the layout and precision its input has, where the Pad ran on a plain
// float32 copy.
absl::Status FoldPadIntoAveragePool(ir::Graph& graph);

// A layer normalization spelled out (ReduceMean, Sub, Pow, ReduceMean, Add,
// Sqrt, Div, then Mul by a constant scale and, optionally, Add of a constant
// bias; PyTorch's export below opset 17) over the last axes becomes one
// LayerNormalization.
absl::Status FuseLayerNorm(ir::Graph& graph);

// GELU spelled out with Erf (Div by sqrt(2) or Mul by its inverse, Erf,
// Add 1, Mul by the input, Mul by 0.5: PyTorch's export before opset 20)
// becomes one Gelu (opset 20), a oneDNN eltwise_gelu_erf.
absl::Status FuseGelu(ir::Graph& graph);

// Conv → BatchNormalization with constant weights and statistics becomes one
// Conv with rescaled weights and bias.
absl::Status FoldBatchNormIntoConv(ir::Graph& graph);

// Add(Conv(...), r), with r computed by another node (a residual), becomes
// the Conv with r as its fourth input, added by a oneDNN sum post-op. The
// Conv moves to the Add's place, where r is known.
absl::Status FuseResidualAdd(ir::Graph& graph);

// Conv or Gemm → Relu/LeakyRelu/Tanh/Sigmoid/Clip(constant bounds)/HardSigmoid/
// HardSwish becomes the Conv or Gemm with the activation as a oneDNN post-op;
// BatchNormalization → Relu becomes the BatchNormalization with oneDNN's
// fused ReLU.
absl::Status FuseActivations(ir::Graph& graph);

// Conv or Gemm → x, then Mul(x, Sigmoid(x)) (SiLU, as PyTorch exports it)
// or Mul(x, HardSigmoid(x)) with alpha 1/6 and beta 1/2 (hard-swish before
// opset 14) becomes the Conv or Gemm with Swish or HardSwish as a post-op,
// where nothing else reads x or the gate.
absl::Status FuseGatedActivations(ir::Graph& graph);

// Concat(a, b, ..., k) after Concat(a, b, ...) on the same axis becomes
// Concat(Concat(a, b, ...), k): a DenseNet block concatenates every earlier
// layer's output again for each layer. At batch 1 the plan then writes each
// concatenation into the next one's room and copies nothing
// (OpContext::PlaceInside); otherwise each layer copies one input fewer.
absl::Status NestGrowingConcats(ir::Graph& graph);

// All of the above, in an order where each enables the next.
absl::Status OptimizeGraph(ir::Graph& graph);

}  // namespace convoy::engine

#endif  // CONVOY_ENGINE_PASSES_GRAPH_PASSES_H_
