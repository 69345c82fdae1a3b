// onednn-peak: the GFLOP/s ceiling of this machine for one precision, as
// oneDNN itself reaches it on the convolution the TOOLCHAIN measurements use
// (3x3, 256 to 256 channels, 14x14, batch 16, padding 1: 3.70 GFLOP), with
// every operand in the layout oneDNN prefers, weights reordered once and the
// primitive created once. bench/engine_bench.py runs it beside the models so
// that "fraction of peak" compares figures measured under the same load.
//
//   onednn-peak --precision f32 --threads 2 --seconds 3
//   {"precision": "f32", "threads": 2, "gflop": 3.699, "gflops": [221.3, 218.9, ...]}
#include <omp.h>

#include <chrono>
#include <iostream>
#include <string>
#include <vector>

#include "absl/flags/flag.h"
#include "absl/flags/parse.h"
#include "absl/flags/usage.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "dnnl.hpp"

ABSL_FLAG(std::string, precision, "f32", "f32, bf16 or int8 (u8 activations, s8 weights)");
ABSL_FLAG(int, threads, 2, "OpenMP threads");
ABSL_FLAG(double, seconds, 3, "time to spend on timed iterations");

namespace {

using dnnl::memory;

int Main() {
  const std::string precision = absl::GetFlag(FLAGS_precision);
  if (precision != "f32" && precision != "bf16" && precision != "int8") {
    std::cerr << "onednn-peak: --precision must be f32, bf16 or int8, not '" << precision << "'\n";
    return 2;
  }
  const bool int8 = precision == "int8";
  const memory::data_type type = precision == "f32"    ? memory::data_type::f32
                                 : precision == "bf16" ? memory::data_type::bf16
                                                       : memory::data_type::u8;
  const memory::data_type weights_type = int8 ? memory::data_type::s8 : type;
  omp_set_num_threads(absl::GetFlag(FLAGS_threads));
  const memory::dim n = 16, c = 256, k = 256, hw = 14;
  const double gflop = 2.0 * n * k * hw * hw * c * 9 / 1e9;

  dnnl::engine engine(dnnl::engine::kind::cpu, 0);
  dnnl::stream stream(engine);
  auto any = [](memory::dims dims, memory::data_type t) {
    return memory::desc(dims, t, memory::format_tag::any);
  };
  dnnl::convolution_forward::primitive_desc pd(
      {dnnl::prop_kind::forward_inference, dnnl::algorithm::convolution_direct, any({n, c, hw, hw}, type),
       any({k, c, 3, 3}, weights_type), memory::desc({k}, memory::data_type::f32, memory::format_tag::a),
       any({n, k, hw, hw}, type), {1, 1}, {1, 1}, {1, 1}},
      engine);
  memory src(pd.src_desc(), engine), weights(pd.weights_desc(), engine),
      bias(pd.bias_desc(), engine), dst(pd.dst_desc(), engine);
  for (const memory& m : {src, weights, bias, dst}) {
    std::fill_n(static_cast<char*>(m.get_data_handle()), m.get_desc().get_size(), 0);
  }
  dnnl::convolution_forward conv(pd);
  const std::unordered_map<int, memory> args = {
      {DNNL_ARG_SRC, src}, {DNNL_ARG_WEIGHTS, weights}, {DNNL_ARG_BIAS, bias}, {DNNL_ARG_DST, dst}};
  for (int i = 0; i < 5; ++i) conv.execute(stream, args);
  stream.wait();

  std::vector<double> gflops;
  const auto deadline =
      std::chrono::steady_clock::now() + std::chrono::duration<double>(absl::GetFlag(FLAGS_seconds));
  while (gflops.size() < 10 || std::chrono::steady_clock::now() < deadline) {
    const auto start = std::chrono::steady_clock::now();
    conv.execute(stream, args);
    stream.wait();
    const double s = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
    gflops.push_back(gflop / s);
  }
  std::string list;
  for (double g : gflops) absl::StrAppend(&list, list.empty() ? "" : ", ", absl::StrFormat("%.1f", g));
  std::cout << absl::StrFormat(
      "{\"precision\": \"%s\", \"threads\": %d, \"gflop\": %.3f, \"implementation\": \"%s\", "
      "\"gflops\": [%s]}\n",
      precision, absl::GetFlag(FLAGS_threads), gflop, pd.impl_info_str(), list);
  return 0;
}

}  // namespace

int main(int argc, char** argv) {
  absl::SetProgramUsageMessage("onednn-peak --precision f32|bf16|int8 --threads T --seconds S");
  absl::ParseCommandLine(argc, argv);
  return Main();
}
