#include "tests/engine/ops/reference_net.h"

namespace convoy::engine::testing {

reference::ConvParams Padded(int64_t pad, int64_t stride, int64_t group) {
  reference::ConvParams p;
  p.pads = {pad, pad, pad, pad};
  p.strides = {stride, stride};
  p.group = group;
  return p;
}

reference::PoolParams PoolWindow(int64_t kernel, int64_t stride, int64_t pad, bool ceil_mode,
                                 bool count_include_pad) {
  reference::PoolParams p;
  p.kernel_shape = {kernel, kernel};
  p.strides = {stride, stride};
  p.pads = {pad, pad, pad, pad};
  p.ceil_mode = ceil_mode;
  p.count_include_pad = count_include_pad;
  return p;
}

ReferenceNet::ReferenceNet(uint32_t seed, Shape input) : rng_(seed) {
  builder_.AddInput("x", DimsOf(input, /*symbolic_batch=*/true));
  channels_["x"] = input[1];
}

std::string ReferenceNet::Node(const std::string& op, const std::vector<std::string>& ins,
                               const Attributes& attrs, StepFn step) {
  const std::string out = Fresh(op);
  builder_.AddNode(op, ins, {out}, attrs, out);
  steps_.emplace_back(out, std::move(step));
  if (channels_.count(ins[0]) > 0) channels_[out] = channels_.at(ins[0]);
  return out;
}

std::string ReferenceNet::Conv(const std::string& in, int64_t out_channels, const Ints& kernel,
                               const reference::ConvParams& params) {
  const std::string name = Fresh("conv");
  Shape w_shape = {out_channels, channels_.at(in) / params.group};
  w_shape.insert(w_shape.end(), kernel.begin(), kernel.end());
  const Tensor w = Random(rng_, w_shape, -0.5f, 0.5f);
  const Tensor b = Random(rng_, {out_channels});
  builder_.AddInitializer(name + ".w", w);
  builder_.AddInitializer(name + ".b", b);
  Attributes attrs = {IntsAttr("kernel_shape", kernel), IntAttr("group", params.group)};
  if (!params.pads.empty()) attrs.push_back(IntsAttr("pads", params.pads));
  if (!params.strides.empty()) attrs.push_back(IntsAttr("strides", params.strides));
  const std::string out = Node("Conv", {in, name + ".w", name + ".b"}, attrs, [=](const Values& v) {
    return reference::Conv(v.at(in), w, &b, params);
  });
  channels_[out] = out_channels;
  return out;
}

std::string ReferenceNet::Pool(const std::string& op, const std::string& in,
                               const reference::PoolParams& p) {
  Attributes attrs = {IntsAttr("kernel_shape", p.kernel_shape)};
  if (!p.strides.empty()) attrs.push_back(IntsAttr("strides", p.strides));
  if (!p.pads.empty()) attrs.push_back(IntsAttr("pads", p.pads));
  if (p.ceil_mode) attrs.push_back(IntAttr("ceil_mode", 1));
  if (p.count_include_pad) attrs.push_back(IntAttr("count_include_pad", 1));
  const bool max = op == "MaxPool";
  return Node(op, {in}, attrs, [=](const Values& v) {
    return max ? reference::MaxPool(v.at(in), p) : reference::AveragePool(v.at(in), p);
  });
}

std::string ReferenceNet::MaxPool(const std::string& in, const reference::PoolParams& p) {
  return Pool("MaxPool", in, p);
}

std::string ReferenceNet::AveragePool(const std::string& in, const reference::PoolParams& p) {
  return Pool("AveragePool", in, p);
}

std::string ReferenceNet::GlobalAveragePool(const std::string& in) {
  return Node("GlobalAveragePool", {in}, {},
              [=](const Values& v) { return reference::GlobalAveragePool(v.at(in)); });
}

std::string ReferenceNet::Relu(const std::string& in) {
  return Node("Relu", {in}, {}, [=](const Values& v) { return reference::Relu(v.at(in)); });
}

std::string ReferenceNet::Add(const std::string& a, const std::string& b) {
  return Node("Add", {a, b}, {}, [=](const Values& v) {
    return reference::Binary(reference::BinaryOp::kAdd, v.at(a), v.at(b));
  });
}

std::string ReferenceNet::ScaleChannels(const std::string& in) {
  const Tensor scale = Random(rng_, {channels_.at(in), 1, 1});
  const std::string name = Fresh("scale");
  builder_.AddInitializer(name, scale);
  return Node("Mul", {in, name}, {}, [=](const Values& v) {
    return reference::Binary(reference::BinaryOp::kMul, v.at(in), scale);
  });
}

std::string ReferenceNet::BatchNorm(const std::string& in) {
  const Shape c = {channels_.at(in)};
  const Tensor scale = Random(rng_, c), bias = Random(rng_, c), mean = Random(rng_, c);
  const Tensor var = Random(rng_, c, 0.2f, 2.0f);
  const std::string name = Fresh("bn");
  builder_.AddInitializer(name + ".scale", scale);
  builder_.AddInitializer(name + ".bias", bias);
  builder_.AddInitializer(name + ".mean", mean);
  builder_.AddInitializer(name + ".var", var);
  return Node("BatchNormalization",
              {in, name + ".scale", name + ".bias", name + ".mean", name + ".var"}, {},
              [=](const Values& v) {
                return reference::BatchNormalization(v.at(in), scale, bias, mean, var, 1e-5f);
              });
}

std::string ReferenceNet::Lrn(const std::string& in, const reference::LrnParams& p) {
  return Node("LRN", {in},
              {IntAttr("size", p.size), FloatAttr("alpha", p.alpha), FloatAttr("beta", p.beta),
               FloatAttr("bias", p.bias)},
              [=](const Values& v) { return reference::Lrn(v.at(in), p); });
}

std::string ReferenceNet::Pad(const std::string& in, const Ints& pads, float value) {
  const std::string name = Fresh("pads");
  builder_.AddInitializer(name, Int64Vector(pads));
  builder_.AddInitializer(name + ".value", Scalar(value));
  const std::string out = Node("Pad", {in, name, name + ".value"}, {}, [=](const Values& v) {
    return reference::Pad(v.at(in), pads, value);
  });
  channels_[out] = channels_.at(in) + pads[1] + pads[1 + pads.size() / 2];
  return out;
}

std::string ReferenceNet::Concat(const std::vector<std::string>& ins) {
  const std::string out = Node("Concat", ins, {IntAttr("axis", 1)}, [=](const Values& v) {
    std::vector<Tensor> parts;
    for (const std::string& in : ins) parts.push_back(v.at(in));
    return reference::Concat(parts, 1);
  });
  channels_[out] = 0;
  for (const std::string& in : ins) channels_[out] += channels_.at(in);
  return out;
}

std::string ReferenceNet::Flatten(const std::string& in) {
  const std::string out = Node("Flatten", {in}, {}, [=](const Values& v) {
    const Tensor& t = v.at(in);
    return t.Reshaped({t.shape()[0], t.num_elements() / t.shape()[0]});
  });
  channels_.erase(out);
  return out;
}

std::string ReferenceNet::Transpose(const std::string& in, const Ints& perm) {
  const std::string out = Node("Transpose", {in}, {IntsAttr("perm", perm)}, [=](const Values& v) {
    return reference::Transpose(v.at(in), perm);
  });
  channels_.erase(out);
  return out;
}

std::string ReferenceNet::ReshapeToBatchRows(const std::string& in) {
  const std::string name = Fresh("flat");
  builder_.AddInitializer(name + ".zero", Int64s({}, {0}));
  builder_.AddInitializer(name + ".axes", Int64Vector({0}));
  builder_.AddInitializer(name + ".minus_one", Int64Vector({-1}));
  builder_.AddNode("Shape", {in}, {name + ".shape"});
  builder_.AddNode("Gather", {name + ".shape", name + ".zero"}, {name + ".batch"});
  builder_.AddNode("Unsqueeze", {name + ".batch", name + ".axes"}, {name + ".batch1"});
  builder_.AddNode("Concat", {name + ".batch1", name + ".minus_one"}, {name + ".target"},
                   {IntAttr("axis", 0)});
  const std::string out = Node("Reshape", {in, name + ".target"}, {}, [=](const Values& v) {
    const Tensor& t = v.at(in);
    return t.Reshaped({t.shape()[0], t.num_elements() / t.shape()[0]});
  });
  channels_.erase(out);
  return out;
}

std::string ReferenceNet::Dense(const std::string& in, int64_t features, int64_t units) {
  const std::string name = Fresh("fc");
  const Tensor w = Random(rng_, {units, features}, -0.5f, 0.5f);
  const Tensor b = Random(rng_, {units});
  builder_.AddInitializer(name + ".w", w);
  builder_.AddInitializer(name + ".b", b);
  return Node("Gemm", {in, name + ".w", name + ".b"}, {IntAttr("transB", 1)}, [=](const Values& v) {
    reference::GemmParams p;
    p.trans_b = true;
    return reference::Gemm(v.at(in), w, &b, p);
  });
}

std::string ReferenceNet::Softmax(const std::string& in) {
  return Node("Softmax", {in}, {IntAttr("axis", 1)},
              [=](const Values& v) { return reference::Softmax(v.at(in), 1); });
}

void ReferenceNet::Output(const std::string& name) {
  builder_.AddOutput(name);
  outputs_.push_back(name);
}

std::vector<Tensor> ReferenceNet::Reference(const Tensor& x, std::vector<std::string> names) const {
  Values values = {{"x", x}};
  for (const auto& [name, step] : steps_) {
    Tensor value = step(values);
    values[name] = std::move(value);
  }
  if (names.empty()) names = outputs_;
  std::vector<Tensor> result;
  for (const std::string& name : names) result.push_back(values.at(name));
  return result;
}

ResidualClassifier::ResidualClassifier() : net(21021, {1, 3, 11, 13}) {
  const std::string c1 = net.Conv("x", 19, {3, 3}, Padded(1));
  pooled = net.MaxPool(c1, PoolWindow(3, 2, 1));
  const std::string c2 = net.Conv(pooled, 19, {3, 3}, Padded(1));
  sum = net.Add(c2, pooled);
  gap = net.GlobalAveragePool(net.Relu(sum));
  const std::string logits = net.Dense(net.Flatten(gap), 19, 10);
  probabilities = net.Softmax(logits);
  net.Output(probabilities);
}

}  // namespace convoy::engine::testing
