#include "tests/engine/testing/reference_ops.h"

#include <algorithm>
#include <cmath>
#include <limits>

namespace convoy::engine::reference {
namespace {

// --- Indexing helpers for dense row-major tensors.

std::vector<int64_t> Unravel(int64_t flat, const Shape& shape) {
  std::vector<int64_t> coords(shape.size());
  for (int64_t d = static_cast<int64_t>(shape.size()) - 1; d >= 0; --d) {
    coords[d] = flat % shape[d];
    flat /= shape[d];
  }
  return coords;
}

int64_t Ravel(const std::vector<int64_t>& coords, const Shape& shape) {
  int64_t flat = 0;
  for (size_t d = 0; d < shape.size(); ++d) flat = flat * shape[d] + coords[d];
  return flat;
}

int64_t Normalize(int64_t axis, size_t rank) {
  return axis < 0 ? axis + static_cast<int64_t>(rank) : axis;
}

Tensor Map(const Tensor& x, double (*f)(double, double), double param) {
  Tensor y(DataType::kFloat32, x.shape());
  for (int64_t i = 0; i < x.num_elements(); ++i) {
    y.data<float>()[i] = static_cast<float>(f(x.data<float>()[i], param));
  }
  return y;
}

// --- Sliding windows (Conv, MaxPool, AveragePool).

struct Window {
  Shape input;  // Spatial dimensions of X.
  Shape kernel;
  std::vector<int64_t> strides, dilations, pad_begin, pad_end;
  Shape out;
};

std::vector<int64_t> OrDefault(const std::vector<int64_t>& v, size_t n, int64_t value) {
  return v.empty() ? std::vector<int64_t>(n, value) : v;
}

Window ResolveWindow(const Shape& input, const Shape& kernel, const WindowParams& p,
                     bool ceil_mode) {
  const size_t n = input.size();
  Window w;
  w.input = input;
  w.kernel = kernel;
  w.strides = OrDefault(p.strides, n, 1);
  w.dilations = OrDefault(p.dilations, n, 1);
  const std::vector<int64_t> pads = OrDefault(p.pads, 2 * n, 0);
  for (size_t i = 0; i < n; ++i) {
    const int64_t extent = (kernel[i] - 1) * w.dilations[i] + 1;
    int64_t begin = pads[i], end = pads[i + n];
    if (p.auto_pad == "VALID") {
      begin = end = 0;
    } else if (p.auto_pad == "SAME_UPPER" || p.auto_pad == "SAME_LOWER") {
      // "pad the input so that output_shape[i] = ceil(input_shape[i] /
      // strides[i]) ... In case the padding is an odd number, the extra
      // padding is added at the end for SAME_UPPER and at the beginning for
      // SAME_LOWER."
      const int64_t out = (input[i] + w.strides[i] - 1) / w.strides[i];
      const int64_t total = std::max<int64_t>(0, (out - 1) * w.strides[i] + extent - input[i]);
      begin = p.auto_pad == "SAME_UPPER" ? total / 2 : total - total / 2;
      end = total - begin;
    }
    w.pad_begin.push_back(begin);
    w.pad_end.push_back(end);
    // output = floor or ceil((in + pad_shape - ((k - 1) * d + 1)) / s + 1).
    const int64_t span = input[i] + begin + end - extent;
    int64_t out =
        ceil_mode ? (span + w.strides[i] - 1) / w.strides[i] + 1 : span / w.strides[i] + 1;
    // "Sliding windows that would start in the right padded region are
    // ignored" (MaxPool/AveragePool, ceil_mode).
    if (ceil_mode && (out - 1) * w.strides[i] - begin >= input[i]) --out;
    w.out.push_back(out);
  }
  return w;
}

// Spatial position of kernel tap `tap` of the window at output position
// `out`, as coordinates in the unpadded input (may be out of range).
std::vector<int64_t> TapPosition(const Window& w, const std::vector<int64_t>& out,
                                 const std::vector<int64_t>& tap) {
  std::vector<int64_t> pos(out.size());
  for (size_t d = 0; d < out.size(); ++d) {
    pos[d] = out[d] * w.strides[d] - w.pad_begin[d] + tap[d] * w.dilations[d];
  }
  return pos;
}

bool InsideInput(const Window& w, const std::vector<int64_t>& pos) {
  for (size_t d = 0; d < pos.size(); ++d) {
    if (pos[d] < 0 || pos[d] >= w.input[d]) return false;
  }
  return true;
}

// Inside the input grown by the explicit (or auto) pads, but not the
// overhang that ceil_mode adds beyond them.
bool InsidePaddedInput(const Window& w, const std::vector<int64_t>& pos) {
  for (size_t d = 0; d < pos.size(); ++d) {
    if (pos[d] < -w.pad_begin[d] || pos[d] >= w.input[d] + w.pad_end[d]) return false;
  }
  return true;
}

enum class PoolKind { kMax, kAverage };

Tensor Pool(const Tensor& x, const PoolParams& p, PoolKind kind) {
  const Shape& xs = x.shape();
  const int64_t n = xs[0], c = xs[1];
  const Window w = ResolveWindow(Shape(xs.begin() + 2, xs.end()), p.kernel_shape, p, p.ceil_mode);
  Shape ys = {n, c};
  ys.insert(ys.end(), w.out.begin(), w.out.end());
  Tensor y(DataType::kFloat32, ys);
  const int64_t in_size = NumElements(w.input), out_size = NumElements(w.out);
  const int64_t taps = NumElements(w.kernel);
  for (int64_t plane = 0; plane < n * c; ++plane) {
    const float* src = x.data<float>() + plane * in_size;
    for (int64_t o = 0; o < out_size; ++o) {
      const std::vector<int64_t> out = Unravel(o, w.out);
      double max = -std::numeric_limits<double>::infinity(), sum = 0;
      int64_t count = 0;
      for (int64_t t = 0; t < taps; ++t) {
        const std::vector<int64_t> pos = TapPosition(w, out, Unravel(t, w.kernel));
        if (InsideInput(w, pos)) {
          const double v = src[Ravel(pos, w.input)];
          max = std::max(max, v);
          sum += v;
        }
        // The divisor counts padding only with count_include_pad, and then
        // only the pads the model declares: positions in the ceil_mode
        // overhang beyond them are never counted.
        if (p.count_include_pad ? InsidePaddedInput(w, pos) : InsideInput(w, pos)) ++count;
      }
      y.data<float>()[plane * out_size + o] =
          static_cast<float>(kind == PoolKind::kMax ? max : sum / count);
    }
  }
  return y;
}

Tensor GlobalPool(const Tensor& x, PoolKind kind) {
  const Shape& xs = x.shape();
  Shape ys = {xs[0], xs[1]};
  ys.resize(xs.size(), 1);
  Tensor y(DataType::kFloat32, ys);
  const int64_t plane_size = NumElements(Shape(xs.begin() + 2, xs.end()));
  for (int64_t plane = 0; plane < xs[0] * xs[1]; ++plane) {
    const float* src = x.data<float>() + plane * plane_size;
    double max = -std::numeric_limits<double>::infinity(), sum = 0;
    for (int64_t i = 0; i < plane_size; ++i) {
      max = std::max<double>(max, src[i]);
      sum += src[i];
    }
    y.data<float>()[plane] = static_cast<float>(kind == PoolKind::kMax ? max : sum / plane_size);
  }
  return y;
}

// Broadcast shape of two shapes (numpy rules; assumed compatible).
Shape BroadcastShape(const Shape& a, const Shape& b) {
  const size_t rank = std::max(a.size(), b.size());
  Shape out(rank);
  for (size_t i = 0; i < rank; ++i) {
    const int64_t da = i + a.size() >= rank ? a[i + a.size() - rank] : 1;
    const int64_t db = i + b.size() >= rank ? b[i + b.size() - rank] : 1;
    out[i] = da == 1 ? db : da;
  }
  return out;
}

// Flat index into `from` of the element that broadcasts to `coords` of the
// (higher or equal rank) result: right-aligned, size-1 dimensions repeat.
int64_t BroadcastSource(const std::vector<int64_t>& coords, const Shape& from) {
  const size_t skip = coords.size() - from.size();
  int64_t flat = 0;
  for (size_t d = 0; d < from.size(); ++d) {
    flat = flat * from[d] + (from[d] == 1 ? 0 : coords[d + skip]);
  }
  return flat;
}

Tensor SoftmaxImpl(const Tensor& x, int64_t axis, bool log) {
  const Shape& s = x.shape();
  axis = Normalize(axis, s.size());
  const int64_t outer = NumElements(Shape(s.begin(), s.begin() + axis));
  const int64_t len = s[axis];
  const int64_t inner = NumElements(Shape(s.begin() + axis + 1, s.end()));
  Tensor y(DataType::kFloat32, s);
  const float* in = x.data<float>();
  float* out = y.data<float>();
  for (int64_t o = 0; o < outer; ++o) {
    for (int64_t i = 0; i < inner; ++i) {
      auto at = [&](int64_t k) { return (o * len + k) * inner + i; };
      double max = -std::numeric_limits<double>::infinity();
      for (int64_t k = 0; k < len; ++k) max = std::max<double>(max, in[at(k)]);
      double sum = 0;
      for (int64_t k = 0; k < len; ++k) sum += std::exp(in[at(k)] - max);
      for (int64_t k = 0; k < len; ++k) {
        const double shifted = in[at(k)] - max;
        out[at(k)] = static_cast<float>(log ? shifted - std::log(sum) : std::exp(shifted) / sum);
      }
    }
  }
  return y;
}

}  // namespace

Tensor Conv(const Tensor& x, const Tensor& w, const Tensor* b, const ConvParams& p) {
  const Shape& xs = x.shape();
  const Shape& ws = w.shape();
  const int64_t n = xs[0], c = xs[1], m = ws[0];
  const int64_t c_per_group = c / p.group, m_per_group = m / p.group;
  const Window win =
      ResolveWindow(Shape(xs.begin() + 2, xs.end()), Shape(ws.begin() + 2, ws.end()), p, false);
  Shape ys = {n, m};
  ys.insert(ys.end(), win.out.begin(), win.out.end());
  Tensor y(DataType::kFloat32, ys);
  const int64_t in_size = NumElements(win.input), out_size = NumElements(win.out);
  const int64_t taps = NumElements(win.kernel);
  for (int64_t batch = 0; batch < n; ++batch) {
    for (int64_t oc = 0; oc < m; ++oc) {
      // Output channel oc belongs to group oc / (M / group), which reads
      // input channels [g * C / group, (g + 1) * C / group).
      const int64_t group = oc / m_per_group;
      for (int64_t o = 0; o < out_size; ++o) {
        const std::vector<int64_t> out = Unravel(o, win.out);
        double acc = b != nullptr ? b->data<float>()[oc] : 0.0;
        for (int64_t k = 0; k < c_per_group; ++k) {
          const int64_t ic = group * c_per_group + k;
          for (int64_t t = 0; t < taps; ++t) {
            const std::vector<int64_t> pos = TapPosition(win, out, Unravel(t, win.kernel));
            if (!InsideInput(win, pos)) continue;  // Zero padding.
            acc += static_cast<double>(
                       x.data<float>()[(batch * c + ic) * in_size + Ravel(pos, win.input)]) *
                   w.data<float>()[(oc * c_per_group + k) * taps + t];
          }
        }
        y.data<float>()[(batch * m + oc) * out_size + o] = static_cast<float>(acc);
      }
    }
  }
  return y;
}

Tensor MaxPool(const Tensor& x, const PoolParams& params) {
  return Pool(x, params, PoolKind::kMax);
}

Tensor AveragePool(const Tensor& x, const PoolParams& params) {
  return Pool(x, params, PoolKind::kAverage);
}

Tensor GlobalAveragePool(const Tensor& x) { return GlobalPool(x, PoolKind::kAverage); }
Tensor GlobalMaxPool(const Tensor& x) { return GlobalPool(x, PoolKind::kMax); }

Tensor Lrn(const Tensor& x, const LrnParams& p) {
  // square_sum[n, c, ...] = sum(X[n, i, ...] ^ 2) for i in
  //   [max(0, c - floor((size - 1) / 2)), min(C - 1, c + ceil((size - 1) / 2))]
  // Y[n, c, ...] = X[n, c, ...] / (bias + alpha / size * square_sum[n, c, ...]) ^ beta
  const Shape& s = x.shape();
  const int64_t n = s[0], c = s[1];
  const int64_t inner = NumElements(Shape(s.begin() + 2, s.end()));
  const int64_t before = (p.size - 1) / 2, after = p.size - 1 - before;
  Tensor y(DataType::kFloat32, s);
  auto at = [&](int64_t batch, int64_t ch, int64_t i) { return (batch * c + ch) * inner + i; };
  for (int64_t batch = 0; batch < n; ++batch) {
    for (int64_t ch = 0; ch < c; ++ch) {
      for (int64_t i = 0; i < inner; ++i) {
        double square_sum = 0;
        for (int64_t j = std::max<int64_t>(0, ch - before); j <= std::min(c - 1, ch + after); ++j) {
          const double v = x.data<float>()[at(batch, j, i)];
          square_sum += v * v;
        }
        const double scale = std::pow(p.bias + p.alpha / p.size * square_sum, p.beta);
        y.data<float>()[at(batch, ch, i)] =
            static_cast<float>(x.data<float>()[at(batch, ch, i)] / scale);
      }
    }
  }
  return y;
}

Tensor BatchNormalization(const Tensor& x, const Tensor& scale, const Tensor& bias,
                          const Tensor& mean, const Tensor& var, float epsilon) {
  // Y = (X - input_mean) / sqrt(input_var + epsilon) * scale + B, per channel.
  const Shape& s = x.shape();
  const int64_t c = s[1];
  const int64_t inner = NumElements(Shape(s.begin() + 2, s.end()));
  Tensor y(DataType::kFloat32, s);
  for (int64_t i = 0; i < x.num_elements(); ++i) {
    const int64_t ch = (i / inner) % c;
    const double normalized = (x.data<float>()[i] - static_cast<double>(mean.data<float>()[ch])) /
                              std::sqrt(static_cast<double>(var.data<float>()[ch]) + epsilon);
    y.data<float>()[i] =
        static_cast<float>(normalized * scale.data<float>()[ch] + bias.data<float>()[ch]);
  }
  return y;
}

Tensor Gemm(const Tensor& a, const Tensor& b, const Tensor* c, const GemmParams& p) {
  // A' = transpose(A) if transA else A; B' likewise; Y = alpha * A' * B' + beta * C.
  const int64_t m = p.trans_a ? a.shape()[1] : a.shape()[0];
  const int64_t k = p.trans_a ? a.shape()[0] : a.shape()[1];
  const int64_t n = p.trans_b ? b.shape()[0] : b.shape()[1];
  auto a_at = [&](int64_t i, int64_t j) {
    return a.data<float>()[p.trans_a ? j * m + i : i * k + j];
  };
  auto b_at = [&](int64_t i, int64_t j) {
    return b.data<float>()[p.trans_b ? j * k + i : i * n + j];
  };
  Tensor y(DataType::kFloat32, {m, n});
  for (int64_t i = 0; i < m; ++i) {
    for (int64_t j = 0; j < n; ++j) {
      double acc = 0;
      for (int64_t l = 0; l < k; ++l) acc += static_cast<double>(a_at(i, l)) * b_at(l, j);
      double result = p.alpha * acc;
      // C is unidirectionally broadcast to [M, N].
      if (c != nullptr) result += p.beta * c->data<float>()[BroadcastSource({i, j}, c->shape())];
      y.data<float>()[i * n + j] = static_cast<float>(result);
    }
  }
  return y;
}

Tensor MatMul(const Tensor& a, const Tensor& b) {
  // "If the first argument is 1-D, it is promoted to a matrix by prepending
  // a 1 to its dimensions ... If the second argument is 1-D, it is promoted
  // to a matrix by appending a 1 ... After matrix multiplication the
  // prepended (appended) 1 is removed."
  Shape as = a.shape(), bs = b.shape();
  const bool a_vector = as.size() == 1, b_vector = bs.size() == 1;
  if (a_vector) as.insert(as.begin(), 1);
  if (b_vector) bs.push_back(1);
  const int64_t m = as[as.size() - 2], k = as.back(), n = bs.back();
  const Shape batch =
      BroadcastShape(Shape(as.begin(), as.end() - 2), Shape(bs.begin(), bs.end() - 2));
  const Shape a_batch(as.begin(), as.end() - 2), b_batch(bs.begin(), bs.end() - 2);
  Shape out = batch;
  out.push_back(m);
  out.push_back(n);
  Tensor y(DataType::kFloat32, out);
  for (int64_t bi = 0; bi < NumElements(batch); ++bi) {
    const std::vector<int64_t> coords = Unravel(bi, batch);
    const float* pa = a.data<float>() + BroadcastSource(coords, a_batch) * m * k;
    const float* pb = b.data<float>() + BroadcastSource(coords, b_batch) * k * n;
    float* py = y.data<float>() + bi * m * n;
    for (int64_t i = 0; i < m; ++i) {
      for (int64_t j = 0; j < n; ++j) {
        double acc = 0;
        for (int64_t l = 0; l < k; ++l) acc += static_cast<double>(pa[i * k + l]) * pb[l * n + j];
        py[i * n + j] = static_cast<float>(acc);
      }
    }
  }
  if (b_vector) out.pop_back();
  if (a_vector) out.erase(out.end() - (b_vector ? 1 : 2));
  return y.Reshaped(out);
}

Tensor Binary(BinaryOp op, const Tensor& a, const Tensor& b) {
  const Shape out = BroadcastShape(a.shape(), b.shape());
  Tensor y(DataType::kFloat32, out);
  for (int64_t i = 0; i < y.num_elements(); ++i) {
    const std::vector<int64_t> coords = Unravel(i, out);
    const float lhs = a.data<float>()[BroadcastSource(coords, a.shape())];
    const float rhs = b.data<float>()[BroadcastSource(coords, b.shape())];
    float v = 0;
    switch (op) {
      case BinaryOp::kAdd:
        v = lhs + rhs;
        break;
      case BinaryOp::kSub:
        v = lhs - rhs;
        break;
      case BinaryOp::kMul:
        v = lhs * rhs;
        break;
      case BinaryOp::kDiv:
        v = lhs / rhs;
        break;
    }
    y.data<float>()[i] = v;
  }
  return y;
}

Tensor Sum(const std::vector<Tensor>& inputs) {
  Tensor acc = inputs[0];
  for (size_t i = 1; i < inputs.size(); ++i) acc = Binary(BinaryOp::kAdd, acc, inputs[i]);
  return acc;
}

Tensor Relu(const Tensor& x) {
  return Map(
      x, [](double v, double) { return std::max(v, 0.0); }, 0);
}

Tensor LeakyRelu(const Tensor& x, float alpha) {
  return Map(
      x, [](double v, double alpha) { return v >= 0 ? v : alpha * v; }, alpha);
}

Tensor Tanh(const Tensor& x) {
  return Map(
      x, [](double v, double) { return std::tanh(v); }, 0);
}

Tensor Sigmoid(const Tensor& x) {
  return Map(
      x, [](double v, double) { return 1.0 / (1.0 + std::exp(-v)); }, 0);
}

Tensor Clip(const Tensor& x, float min, float max) {
  Tensor y(DataType::kFloat32, x.shape());
  for (int64_t i = 0; i < x.num_elements(); ++i) {
    y.data<float>()[i] = std::min(std::max(x.data<float>()[i], min), max);
  }
  return y;
}

Tensor HardSigmoid(const Tensor& x, float alpha, float beta) {
  Tensor y(DataType::kFloat32, x.shape());
  for (int64_t i = 0; i < x.num_elements(); ++i) {
    const double v = double{alpha} * x.data<float>()[i] + beta;
    y.data<float>()[i] = static_cast<float>(std::max(0.0, std::min(1.0, v)));
  }
  return y;
}

Tensor HardSwish(const Tensor& x) {
  return Map(
      x, [](double v, double) { return v * std::max(0.0, std::min(1.0, v / 6 + 0.5)); }, 0);
}

Tensor Swish(const Tensor& x, float alpha) {
  return Map(
      x, [](double v, double a) { return v / (1.0 + std::exp(-a * v)); }, alpha);
}

Tensor Gelu(const Tensor& x, bool tanh) {
  if (tanh) {
    return Map(
        x,
        [](double v, double) {
          const double k = std::sqrt(2 / M_PI);
          return 0.5 * v * (1 + std::tanh(k * (v + 0.044715 * v * v * v)));
        },
        0);
  }
  return Map(
      x, [](double v, double) { return 0.5 * v * (1 + std::erf(v / std::sqrt(2.0))); }, 0);
}

Tensor Sqrt(const Tensor& x) {
  return Map(
      x, [](double v, double) { return std::sqrt(v); }, 0);
}

Tensor Erf(const Tensor& x) {
  return Map(
      x, [](double v, double) { return std::erf(v); }, 0);
}

Tensor Pow(const Tensor& x, float exponent) {
  return Map(
      x, [](double v, double e) { return std::pow(v, e); }, exponent);
}

Tensor LayerNormalization(const Tensor& x, const Tensor& scale, const Tensor* bias, int64_t axis,
                          float epsilon) {
  const Shape& s = x.shape();
  axis = Normalize(axis, s.size());
  const int64_t inner = NumElements(Shape(s.begin() + axis, s.end()));
  Tensor y(DataType::kFloat32, s);
  for (int64_t row = 0; row * inner < x.num_elements(); ++row) {
    const float* in = x.data<float>() + row * inner;
    double mean = 0, var = 0;
    for (int64_t j = 0; j < inner; ++j) mean += in[j];
    mean /= inner;
    for (int64_t j = 0; j < inner; ++j) var += (in[j] - mean) * (in[j] - mean);
    var /= inner;
    for (int64_t j = 0; j < inner; ++j) {
      double v = (in[j] - mean) / std::sqrt(var + epsilon) * scale.data<float>()[j];
      if (bias != nullptr) v += bias->data<float>()[j];
      y.data<float>()[row * inner + j] = static_cast<float>(v);
    }
  }
  return y;
}

Tensor Reduce(const std::string& op, const Tensor& x, const std::vector<int64_t>& axes,
              bool keepdims) {
  const Shape& in = x.shape();
  std::vector<bool> reduced(in.size(), axes.empty());
  for (int64_t a : axes) reduced[Normalize(a, in.size())] = true;
  Shape kept, out;
  for (size_t d = 0; d < in.size(); ++d) {
    kept.push_back(reduced[d] ? 1 : in[d]);
    if (!reduced[d] || keepdims) out.push_back(kept.back());
  }
  // Accumulate each input element into the output element it reduces to.
  const bool is_max = op == "ReduceMax", is_min = op == "ReduceMin", is_prod = op == "ReduceProd";
  const double init = is_max ? -INFINITY : is_min ? INFINITY : is_prod ? 1.0 : 0.0;
  std::vector<double> acc(NumElements(kept), init);
  std::vector<int64_t> count(acc.size(), 0);
  for (int64_t i = 0; i < x.num_elements(); ++i) {
    int64_t rest = i, index = 0, stride = 1;
    for (int d = static_cast<int>(in.size()) - 1; d >= 0; --d) {
      if (!reduced[d]) index += (rest % in[d]) * stride;
      rest /= in[d];
      stride *= kept[d];
    }
    const double v = x.data<float>()[i];
    double& a = acc[index];
    if (is_max) a = std::max(a, v);
    else if (is_min) a = std::min(a, v);
    else if (is_prod) a *= v;
    else if (op == "ReduceL1") a += std::fabs(v);
    else if (op == "ReduceL2" || op == "ReduceSumSquare") a += v * v;
    else a += v;  // ReduceSum, ReduceMean.
    ++count[index];
  }
  Tensor y(DataType::kFloat32, out);
  for (size_t j = 0; j < acc.size(); ++j) {
    double v = acc[j];
    if (op == "ReduceMean") v /= static_cast<double>(count[j]);
    if (op == "ReduceL2") v = std::sqrt(v);
    y.data<float>()[j] = static_cast<float>(v);
  }
  return y;
}

Tensor Softmax(const Tensor& x, int64_t axis) { return SoftmaxImpl(x, axis, /*log=*/false); }
Tensor LogSoftmax(const Tensor& x, int64_t axis) { return SoftmaxImpl(x, axis, /*log=*/true); }

Tensor Concat(const std::vector<Tensor>& inputs, int64_t axis) {
  Shape out = inputs[0].shape();
  axis = Normalize(axis, out.size());
  out[axis] = 0;
  for (const Tensor& t : inputs) out[axis] += t.shape()[axis];
  Tensor y(DataType::kFloat32, out);
  for (int64_t i = 0; i < y.num_elements(); ++i) {
    std::vector<int64_t> coords = Unravel(i, out);
    // Walk the inputs until the one that holds this position on `axis`.
    size_t which = 0;
    while (coords[axis] >= inputs[which].shape()[axis])
      coords[axis] -= inputs[which++].shape()[axis];
    y.data<float>()[i] = inputs[which].data<float>()[Ravel(coords, inputs[which].shape())];
  }
  return y;
}

Tensor Transpose(const Tensor& x, const std::vector<int64_t>& perm_attr) {
  const Shape& in = x.shape();
  std::vector<int64_t> perm = perm_attr;
  if (perm.empty()) {
    for (int64_t d = static_cast<int64_t>(in.size()) - 1; d >= 0; --d) perm.push_back(d);
  }
  // Output dimension i is input dimension perm[i].
  Shape out;
  for (int64_t p : perm) out.push_back(in[p]);
  Tensor y(DataType::kFloat32, out);
  for (int64_t i = 0; i < y.num_elements(); ++i) {
    const std::vector<int64_t> out_coords = Unravel(i, out);
    std::vector<int64_t> in_coords(in.size());
    for (size_t d = 0; d < perm.size(); ++d) in_coords[perm[d]] = out_coords[d];
    y.data<float>()[i] = x.data<float>()[Ravel(in_coords, in)];
  }
  return y;
}

Tensor Pad(const Tensor& x, const std::vector<int64_t>& pads, float value) {
  const Shape& in = x.shape();
  const size_t rank = in.size();
  Shape out = in;
  for (size_t d = 0; d < rank; ++d) out[d] += pads[d] + pads[d + rank];
  Tensor y(DataType::kFloat32, out);
  for (int64_t i = 0; i < y.num_elements(); ++i) {
    std::vector<int64_t> coords = Unravel(i, out);
    bool inside = true;
    for (size_t d = 0; d < rank; ++d) {
      coords[d] -= pads[d];
      inside = inside && coords[d] >= 0 && coords[d] < in[d];
    }
    y.data<float>()[i] = inside ? x.data<float>()[Ravel(coords, in)] : value;
  }
  return y;
}

Tensor Gather(const Tensor& x, const std::vector<int64_t>& indices, const Shape& indices_shape,
              int64_t axis) {
  // output[i_0, ..., i_{axis-1}, j_0, ..., j_{r-1}, i_{axis+1}, ...] =
  //   data[i_0, ..., i_{axis-1}, indices[j_0, ..., j_{r-1}], i_{axis+1}, ...]
  const Shape& in = x.shape();
  axis = Normalize(axis, in.size());
  Shape out(in.begin(), in.begin() + axis);
  out.insert(out.end(), indices_shape.begin(), indices_shape.end());
  out.insert(out.end(), in.begin() + axis + 1, in.end());
  const size_t r = indices_shape.size();
  Tensor y(DataType::kFloat32, out);
  for (int64_t i = 0; i < y.num_elements(); ++i) {
    const std::vector<int64_t> coords = Unravel(i, out);
    std::vector<int64_t> in_coords(coords.begin(), coords.begin() + axis);
    int64_t index = indices[Ravel(
        std::vector<int64_t>(coords.begin() + axis, coords.begin() + axis + r), indices_shape)];
    if (index < 0) index += in[axis];
    in_coords.push_back(index);
    in_coords.insert(in_coords.end(), coords.begin() + axis + r, coords.end());
    y.data<float>()[i] = x.data<float>()[Ravel(in_coords, in)];
  }
  return y;
}

}  // namespace convoy::engine::reference
