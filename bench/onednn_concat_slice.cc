// onednn-concat-slice: can a convolution write its output straight into its
// channel slice of a concatenation (an "in-place" Concat)?
//
// For each layout a concatenation along channels could have (nhwc, which
// Convoy's fp32 convolutions choose, and oneDNN's blocked nChw16c, where a
// slice starting at a multiple of 16 keeps the blocks whole), it creates the
// same 1x1 convolution (GoogLeNet's inception 3a: 192 to 64 channels, 28x28)
// twice, once writing a dense tensor and once writing channels 64..127 of a
// 128-channel buffer (a oneDNN sub-memory), and prints the implementation
// oneDNN picks for each and its time per run. Then it times the copy that
// remains, concatenating inception 4e's four outputs in nChw16c: oneDNN's
// concat against a reorder of each input into its sub-memory of the output,
// what Convoy's Concat does (engine/ops/tensor_ops.cc):
//
//   onednn-concat-slice --batch 1 --threads 2
//   nhwc      dense  brgconv_1x1:avx512_core     154.0 us
//   nhwc      slice  ref:any                  709379.2 us
//   ...
//   concat           simple:any                      193.1 us
//   4 reorders       into sub-memories                16.8 us
#include <omp.h>

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <unordered_map>
#include <vector>

#include "absl/flags/flag.h"
#include "absl/flags/parse.h"
#include "dnnl.hpp"

ABSL_FLAG(int, batch, 1, "batch size");
ABSL_FLAG(int, threads, 2, "OpenMP threads");

namespace {

using dnnl::memory;

double MicrosecondsPerRun(dnnl::primitive& p, const std::unordered_map<int, memory>& args,
                          dnnl::stream& stream) {
  p.execute(stream, args);
  stream.wait();
  int runs = 0;
  const auto start = std::chrono::steady_clock::now();
  std::chrono::duration<double, std::micro> spent{0};
  while (runs < 3 || (spent.count() < 5e5 && runs < 100)) {
    p.execute(stream, args);
    stream.wait();
    spent = std::chrono::steady_clock::now() - start;
    ++runs;
  }
  return spent.count() / runs;
}

// The concatenation itself, of GoogLeNet's inception 4e outputs (256, 320,
// 128 and 128 channels, 14x14) in nChw16c: oneDNN's concat against one
// reorder per input into its sub-memory of the output (Convoy's Concat).
void TimeConcatenations(memory::dim n, const dnnl::engine& engine, dnnl::stream& stream) {
  const std::vector<memory::dim> channels = {256, 320, 128, 128};
  std::vector<memory::desc> descs;
  std::unordered_map<int, memory> args;
  memory::dim total = 0;
  for (memory::dim c : channels) {
    descs.emplace_back(memory::dims{n, c, 14, 14}, memory::data_type::f32,
                       memory::format_tag::nChw16c);
    args[DNNL_ARG_MULTIPLE_SRC + static_cast<int>(descs.size() - 1)] = memory(descs.back(), engine);
    total += c;
  }
  const memory::desc out({n, total, 14, 14}, memory::data_type::f32, memory::format_tag::nChw16c);
  const memory dst(out, engine);
  for (auto& [arg, m] : args) {
    std::fill_n(static_cast<char*>(m.get_data_handle()), m.get_desc().get_size(), 0);
  }
  args[DNNL_ARG_DST] = dst;
  dnnl::concat::primitive_desc pd(out, 1, descs, engine);
  dnnl::primitive concat = dnnl::concat(pd);
  std::printf("%-16s %-26s %10.1f us\n", "concat", pd.impl_info_str(),
              MicrosecondsPerRun(concat, args, stream));
  double copies = 0;
  memory::dim offset = 0;
  for (size_t i = 0; i < descs.size(); ++i) {
    const memory slice(out.submemory_desc(descs[i].dims(), {0, offset, 0, 0}), engine,
                       dst.get_data_handle());
    const memory& from = args.at(DNNL_ARG_MULTIPLE_SRC + static_cast<int>(i));
    dnnl::primitive copy = dnnl::reorder(from, slice);
    copies += MicrosecondsPerRun(copy, {{DNNL_ARG_FROM, from}, {DNNL_ARG_TO, slice}}, stream);
    offset += channels[i];
  }
  std::printf("%-16s %-26s %10.1f us\n", "4 reorders", "into sub-memories", copies);
}

int Main() {
  omp_set_num_threads(absl::GetFlag(FLAGS_threads));
  const memory::dim n = absl::GetFlag(FLAGS_batch), c = 192, k = 64, hw = 28;
  dnnl::engine engine(dnnl::engine::kind::cpu, 0);
  dnnl::stream stream(engine);
  for (memory::format_tag layout : {memory::format_tag::nhwc, memory::format_tag::nChw16c}) {
    const memory::desc src({n, c, hw, hw}, memory::data_type::f32, layout);
    const memory::desc weights({k, c, 1, 1}, memory::data_type::f32, memory::format_tag::any);
    const memory::desc concat({n, 2 * k, hw, hw}, memory::data_type::f32, layout);
    const memory::desc dense({n, k, hw, hw}, memory::data_type::f32, layout);
    const memory::desc slice = concat.submemory_desc({n, k, hw, hw}, {0, k, 0, 0});
    const memory buffer(concat, engine);
    std::fill_n(static_cast<char*>(buffer.get_data_handle()), concat.get_size(), 0);
    for (bool in_slice : {false, true}) {
      dnnl::convolution_forward::primitive_desc pd(
          {dnnl::prop_kind::forward_inference, dnnl::algorithm::convolution_direct, src, weights,
           in_slice ? slice : dense, {1, 1}, {0, 0}, {0, 0}},
          engine);
      std::unordered_map<int, memory> args = {
          {DNNL_ARG_SRC, memory(src, engine)},
          {DNNL_ARG_WEIGHTS, memory(pd.weights_desc(), engine)},
          {DNNL_ARG_DST, in_slice ? memory(slice, engine, buffer.get_data_handle())
                                  : memory(dense, engine)}};
      for (int arg : {DNNL_ARG_SRC, DNNL_ARG_WEIGHTS, DNNL_ARG_DST}) {
        if (arg == DNNL_ARG_DST && in_slice) continue;  // The buffer, filled above.
        const memory& m = args.at(arg);
        std::fill_n(static_cast<char*>(m.get_data_handle()), m.get_desc().get_size(), 0);
      }
      dnnl::primitive conv = dnnl::convolution_forward(pd);
      std::printf("%-9s %-6s %-26s %10.1f us\n", layout == memory::format_tag::nhwc ? "nhwc" : "nChw16c",
                  in_slice ? "slice" : "dense", pd.impl_info_str(),
                  MicrosecondsPerRun(conv, args, stream));
    }
  }
  TimeConcatenations(n, engine, stream);
  return 0;
}

}  // namespace

int main(int argc, char** argv) {
  absl::ParseCommandLine(argc, argv);
  return Main();
}
