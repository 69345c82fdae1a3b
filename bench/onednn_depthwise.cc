// onednn-depthwise: what the depthwise blocks of MobileNetV2 and
// EfficientNet cost in oneDNN, and what two ways to make them cheaper would
// give (docs/BENCHMARKS.md, "Every torchvision CNN family against ONNX
// Runtime").
//
// First, one depthwise 3x3 or 5x5 convolution per block shape, alone, with
// no post-op, with ReLU and with swish (SiLU, EfficientNet's activation):
// the cost of the activation as a post-op. Then each inverted-residual
// block's expansion (a 1x1 convolution with ReLU6) and its depthwise
// convolution, as two primitives against one with the depthwise convolution
// fused as a post-op of the 1x1 (oneDNN's append_dw), in the layouts oneDNN
// chooses (it has no fused kernel for a layout forced on it):
//
//   onednn-depthwise --batch 8 --threads 2
//   depthwise   32ch 112x112 k3 s1  none   brdgmm_dw:avx512_core            455.8 us
//   depthwise   32ch 112x112 k3 s1  swish  brdgmm_dw:avx512_core           1209.4 us
//   ...
//   expand+dw  16->96   112x112 s2  two primitives    2708.3 us
//                                        fused  jit_1x1:avx512_core  1723.0 us  1.57x
#include <omp.h>

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <string>
#include <unordered_map>
#include <utility>
#include <vector>

#include "absl/flags/flag.h"
#include "absl/flags/parse.h"
#include "dnnl.hpp"

ABSL_FLAG(int, batch, 8, "batch size");
ABSL_FLAG(int, threads, 2, "OpenMP threads");

namespace {

using dnnl::memory;
using Tag = memory::format_tag;
using Args = std::unordered_map<int, memory>;

constexpr memory::data_type kF32 = memory::data_type::f32;

memory Filled(const memory::desc& desc, const dnnl::engine& engine) {
  memory m(desc, engine);
  std::fill_n(static_cast<float*>(m.get_data_handle()), desc.get_size() / sizeof(float), 0.01f);
  return m;
}

// The median of 21 timed runs of `steps` in turn, after 3 untimed ones.
double MedianMicroseconds(const std::vector<std::pair<dnnl::primitive, Args>>& steps,
                          dnnl::stream& stream) {
  auto run = [&] {
    for (const auto& [p, args] : steps) p.execute(stream, args);
    stream.wait();
  };
  for (int i = 0; i < 3; ++i) run();
  std::vector<double> times;
  for (int i = 0; i < 21; ++i) {
    const auto start = std::chrono::steady_clock::now();
    run();
    times.push_back(
        std::chrono::duration<double, std::micro>(std::chrono::steady_clock::now() - start).count());
  }
  std::nth_element(times.begin(), times.begin() + 10, times.end());
  return times[10];
}

dnnl::post_ops Activation(dnnl::algorithm kind, float alpha, float beta) {
  dnnl::post_ops ops;
  ops.append_eltwise(1.0f, kind, alpha, beta);
  return ops;
}

struct Block {
  memory::dim in, channels, side, kernel, stride;
};

void TimeDepthwiseActivations(memory::dim n, const Block& b, const dnnl::engine& engine,
                              dnnl::stream& stream) {
  const memory::dim pad = b.kernel / 2, out = (b.side + 2 * pad - b.kernel) / b.stride + 1;
  const std::vector<std::pair<const char*, dnnl::post_ops>> activations = {
      {"none", dnnl::post_ops()},
      {"relu", Activation(dnnl::algorithm::eltwise_relu, 0, 0)},
      {"swish", Activation(dnnl::algorithm::eltwise_swish, 1, 0)}};
  for (const auto& [name, ops] : activations) {
    dnnl::primitive_attr attr;
    attr.set_post_ops(ops);
    const memory::desc bias({b.channels}, kF32, Tag::x);
    dnnl::convolution_forward::primitive_desc pd(
        {dnnl::prop_kind::forward_inference, dnnl::algorithm::convolution_direct,
         memory::desc({n, b.channels, b.side, b.side}, kF32, Tag::nhwc),
         memory::desc({b.channels, 1, 1, b.kernel, b.kernel}, kF32, Tag::any), bias,
         memory::desc({n, b.channels, out, out}, kF32, Tag::nhwc), {b.stride, b.stride},
         {pad, pad}, {pad, pad}},
        attr, engine);
    const Args args = {{DNNL_ARG_SRC, Filled(pd.src_desc(), engine)},
                       {DNNL_ARG_WEIGHTS, Filled(pd.weights_desc(), engine)},
                       {DNNL_ARG_BIAS, Filled(bias, engine)},
                       {DNNL_ARG_DST, Filled(pd.dst_desc(), engine)}};
    std::printf("depthwise %4ldch %3ldx%-3ld k%ld s%ld  %-5s  %-28s %9.1f us\n",
                static_cast<long>(b.channels), static_cast<long>(b.side),
                static_cast<long>(b.side), static_cast<long>(b.kernel),
                static_cast<long>(b.stride), name, pd.impl_info_str(),
                MedianMicroseconds({{dnnl::convolution_forward(pd), args}}, stream));
  }
}

void TimeExpansionFusion(memory::dim n, const Block& b, const dnnl::engine& engine,
                         dnnl::stream& stream) {
  const memory::dim out = (b.side + 2 - 3) / b.stride + 1;
  const memory::desc bias({b.channels}, kF32, Tag::x);
  const dnnl::post_ops relu6 = Activation(dnnl::algorithm::eltwise_clip, 0, 6);
  dnnl::primitive_attr relu6_attr;
  relu6_attr.set_post_ops(relu6);
  const memory::desc src_any({n, b.in, b.side, b.side}, kF32, Tag::any);
  const memory::desc w1({b.channels, b.in, 1, 1}, kF32, Tag::any);
  const memory::desc mid_any({n, b.channels, b.side, b.side}, kF32, Tag::any);
  std::printf("expand+dw %3ld->%-4ld %3ldx%-3ld s%ld  ", static_cast<long>(b.in),
              static_cast<long>(b.channels), static_cast<long>(b.side),
              static_cast<long>(b.side), static_cast<long>(b.stride));

  dnnl::convolution_forward::primitive_desc expand(
      {dnnl::prop_kind::forward_inference, dnnl::algorithm::convolution_direct, src_any, w1, bias,
       mid_any, {1, 1}, {0, 0}, {0, 0}},
      relu6_attr, engine);
  dnnl::convolution_forward::primitive_desc depthwise(
      {dnnl::prop_kind::forward_inference, dnnl::algorithm::convolution_direct, expand.dst_desc(),
       memory::desc({b.channels, 1, 1, 3, 3}, kF32, Tag::any), bias,
       memory::desc({n, b.channels, out, out}, kF32, Tag::any), {b.stride, b.stride}, {1, 1},
       {1, 1}},
      relu6_attr, engine);
  const memory bias_mem = Filled(bias, engine), mid = Filled(expand.dst_desc(), engine);
  const double separate = MedianMicroseconds(
      {{dnnl::convolution_forward(expand),
        {{DNNL_ARG_SRC, Filled(expand.src_desc(), engine)},
         {DNNL_ARG_WEIGHTS, Filled(expand.weights_desc(), engine)},
         {DNNL_ARG_BIAS, bias_mem},
         {DNNL_ARG_DST, mid}}},
       {dnnl::convolution_forward(depthwise),
        {{DNNL_ARG_SRC, mid},
         {DNNL_ARG_WEIGHTS, Filled(depthwise.weights_desc(), engine)},
         {DNNL_ARG_BIAS, bias_mem},
         {DNNL_ARG_DST, Filled(depthwise.dst_desc(), engine)}}}},
      stream);
  std::printf("two primitives %9.1f us\n", separate);

  dnnl::post_ops ops = relu6;
  ops.append_dw(kF32, kF32, kF32, 3, b.stride, 1, 0, {});
  ops.append_eltwise(1.0f, dnnl::algorithm::eltwise_clip, 0, 6);
  dnnl::primitive_attr attr;
  attr.set_post_ops(ops);
  std::printf("%36s fused  ", "");
  try {
    dnnl::convolution_forward::primitive_desc fused(
        {dnnl::prop_kind::forward_inference, dnnl::algorithm::convolution_direct, src_any, w1, bias,
         mid_any, {1, 1}, {0, 0}, {0, 0}},
        attr, engine);
    const int dw = DNNL_ARG_ATTR_POST_OP_DW;
    const Args args = {
        {DNNL_ARG_SRC, Filled(fused.src_desc(), engine)},
        {DNNL_ARG_WEIGHTS, Filled(fused.weights_desc(), engine)},
        {DNNL_ARG_BIAS, bias_mem},
        {DNNL_ARG_DST, Filled(fused.dst_desc(), engine)},
        {dw | DNNL_ARG_WEIGHTS,
         Filled(fused.query_md(dnnl::query::exec_arg_md, dw | DNNL_ARG_WEIGHTS), engine)},
        {dw | DNNL_ARG_BIAS, bias_mem}};
    const double t = MedianMicroseconds({{dnnl::convolution_forward(fused), args}}, stream);
    std::printf("%s  %.1f us  %.2fx\n", fused.impl_info_str(), t, separate / t);
  } catch (const dnnl::error& e) {
    std::printf("none: %s\n", e.what());
  }
}

int Main() {
  omp_set_num_threads(absl::GetFlag(FLAGS_threads));
  const memory::dim n = absl::GetFlag(FLAGS_batch);
  dnnl::engine engine(dnnl::engine::kind::cpu, 0);
  dnnl::stream stream(engine);
  // EfficientNet-B0's largest depthwise convolutions.
  for (const Block& b : std::vector<Block>{
           {0, 32, 112, 3, 1}, {0, 96, 112, 3, 2}, {0, 144, 56, 3, 1}, {0, 144, 56, 5, 2}}) {
    TimeDepthwiseActivations(n, b, engine, stream);
  }
  // MobileNetV2's inverted-residual blocks: expansion from `in` channels.
  for (const Block& b : std::vector<Block>{{16, 96, 112, 3, 2},
                                           {24, 144, 56, 3, 1},
                                           {24, 144, 56, 3, 2},
                                           {32, 192, 28, 3, 1},
                                           {64, 384, 14, 3, 1},
                                           {96, 576, 14, 3, 1},
                                           {160, 960, 7, 3, 1}}) {
    TimeExpansionFusion(n, b, engine, stream);
  }
  return 0;
}

}  // namespace

int main(int argc, char** argv) {
  absl::ParseCommandLine(argc, argv);
  return Main();
}
