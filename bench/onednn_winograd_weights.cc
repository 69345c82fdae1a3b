// onednn-winograd-weights: what does it cost a Winograd convolution to
// transform its weights on every run rather than keep them transformed?
//
// oneDNN's Winograd kernels, created for forward_inference, take their
// weights already transformed (a copy 1.8 to 4 times the direct weights,
// which no reorder reads back); created for forward_training, the same
// kernels take the weights in a direct layout and transform them on each
// run. For the 3x3 layers of VGG-16 and ResNet it times both, interleaved,
// and prints the kernel, the weights' size and the median time of each, and
// their ratio (above 1: transforming each run is slower). Convoy's
// convolutions transform each run where the weights are large and a run
// has many output pixels (engine/ops/conv.cc, TransformWeightsEachRun):
//
//   onednn-winograd-weights --batch 8 --threads 2
//   ...
//   vgg16  512->512  14x14  once jit_wino_4x3:avx512_core  15835 us  37.7 MB |
//       each run jit_wino_4x3:avx512_core  17887 us   9.4 MB | 1.130
#include <omp.h>

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <string>
#include <unordered_map>
#include <vector>

#include "absl/flags/flag.h"
#include "absl/flags/parse.h"
#include "dnnl.hpp"

ABSL_FLAG(int, batch, 8, "batch size");
ABSL_FLAG(int, threads, 2, "OpenMP threads");
ABSL_FLAG(int, rounds, 7, "interleaved runs of each variant; the median is printed");

namespace {

using dnnl::memory;

struct Layer {
  const char* model;
  memory::dim in, out, size;  // Channels in and out, output height = width.
};

struct Variant {
  dnnl::primitive conv;
  std::unordered_map<int, memory> args;
  std::string kernel;
  size_t weight_bytes = 0;
  std::vector<double> us;
};

Variant Make(const Layer& l, memory::dim n, dnnl::prop_kind prop, const dnnl::engine& engine) {
  const memory::desc src({n, l.in, l.size, l.size}, memory::data_type::f32,
                         memory::format_tag::nChw16c);
  const memory::desc weights({l.out, l.in, 3, 3}, memory::data_type::f32, memory::format_tag::any);
  const memory::desc dst({n, l.out, l.size, l.size}, memory::data_type::f32,
                         memory::format_tag::any);
  dnnl::primitive_attr attr;
  attr.set_scratchpad_mode(dnnl::scratchpad_mode::user);
  dnnl::convolution_forward::primitive_desc pd(
      {prop, dnnl::algorithm::convolution_winograd, src, weights, dst, {1, 1}, {1, 1}, {1, 1}},
      attr, engine);
  Variant v{dnnl::convolution_forward(pd), {}, pd.impl_info_str(),
            pd.weights_desc().get_size(), {}};
  v.args = {{DNNL_ARG_SRC, memory(pd.src_desc(), engine)},
            {DNNL_ARG_WEIGHTS, memory(pd.weights_desc(), engine)},
            {DNNL_ARG_DST, memory(pd.dst_desc(), engine)},
            {DNNL_ARG_SCRATCHPAD, memory(pd.scratchpad_desc(), engine)}};
  for (auto& [arg, m] : v.args) {
    float* data = static_cast<float*>(m.get_data_handle());
    std::fill_n(data, m.get_desc().get_size() / sizeof(float), 0.01f);
  }
  return v;
}

double Microseconds(Variant& v, dnnl::stream& stream) {
  const auto start = std::chrono::steady_clock::now();
  v.conv.execute(stream, v.args);
  stream.wait();
  return std::chrono::duration<double, std::micro>(std::chrono::steady_clock::now() - start)
      .count();
}

double Median(std::vector<double> values) {
  std::sort(values.begin(), values.end());
  return values[values.size() / 2];
}

int Main() {
  omp_set_num_threads(absl::GetFlag(FLAGS_threads));
  const memory::dim n = absl::GetFlag(FLAGS_batch);
  const int rounds = absl::GetFlag(FLAGS_rounds);
  dnnl::engine engine(dnnl::engine::kind::cpu, 0);
  dnnl::stream stream(engine);
  const std::vector<Layer> layers = {
      {"vgg16", 64, 64, 224},   {"vgg16", 128, 128, 112}, {"vgg16", 256, 256, 56},
      {"vgg16", 256, 512, 28},  {"vgg16", 512, 512, 28},  {"vgg16", 512, 512, 14},
      {"resnet", 64, 64, 56},   {"resnet", 128, 128, 28}, {"resnet", 256, 256, 14},
      {"resnet", 512, 512, 7}};
  for (const Layer& l : layers) {
    Variant once = Make(l, n, dnnl::prop_kind::forward_inference, engine);
    Variant each = Make(l, n, dnnl::prop_kind::forward_training, engine);
    for (int r = 0; r < rounds + 1; ++r) {
      for (Variant* v : {&once, &each}) {
        const double us = Microseconds(*v, stream);
        if (r > 0) v->us.push_back(us);  // The first run of each warms up.
      }
    }
    const double a = Median(once.us), b = Median(each.us);
    std::printf("%-6s %3ld->%3ld %3ldx%-3ld once %-26s %9.0f us %5.1f MB | "
                "each run %-24s %9.0f us %5.1f MB | %.3f\n",
                l.model, static_cast<long>(l.in), static_cast<long>(l.out),
                static_cast<long>(l.size), static_cast<long>(l.size), once.kernel.c_str(), a,
                once.weight_bytes / 1e6, each.kernel.c_str(), b, each.weight_bytes / 1e6, b / a);
  }
  return 0;
}

}  // namespace

int main(int argc, char** argv) {
  absl::ParseCommandLine(argc, argv);
  return Main();
}
