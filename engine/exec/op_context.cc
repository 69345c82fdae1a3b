#include "engine/exec/op_context.h"

#include <algorithm>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "engine/exec/dnnl_util.h"
#include "engine/exec/plan_builder.h"

namespace convoy::engine {

int64_t OpContext::opset() const { return builder_.graph().opset; }

DataType OpContext::input_type(size_t i) const {
  return builder_.values().at(node_.inputs[i]).type;
}

const Shape& OpContext::input_shape(size_t i) const {
  return builder_.values().at(node_.inputs[i]).shape;
}

const Tensor* OpContext::constant_input(size_t i) const {
  return builder_.values().at(node_.inputs[i]).constant;
}

absl::StatusOr<std::vector<int64_t>> OpContext::ConstantInts(size_t i,
                                                             absl::string_view what) const {
  if (!has_input(i)) return Invalid(absl::StrCat(what, " (input ", i, ") is missing"));
  if (input_type(i) != DataType::kInt64) {
    return Invalid(absl::StrCat(what, " (input '", node_.inputs[i], "') must be int64, not ",
                                DataTypeName(input_type(i))));
  }
  const Tensor* t = constant_input(i);
  if (t == nullptr) {
    return Unsupported(absl::StrCat(what, " (input '", node_.inputs[i],
                                    "') must be known when the plan is compiled"));
  }
  auto v = t->values<int64_t>();
  return std::vector<int64_t>(v.begin(), v.end());
}

absl::StatusOr<float> OpContext::ConstantFloat(size_t i, absl::string_view what) const {
  const Tensor* t = constant_input(i);
  if (t == nullptr) {
    return Unsupported(absl::StrCat(what, " (input '", node_.inputs[i],
                                    "') must be known when the plan is compiled"));
  }
  if (t->num_elements() != 1) {
    return Invalid(absl::StrCat(what, " must be a single value, got shape ",
                                ShapeToString(t->shape())));
  }
  if (t->type() == DataType::kFloat32) return t->data<float>()[0];
  return static_cast<float>(t->data<int64_t>()[0]);
}

absl::Status OpContext::ExpectInputs(size_t min, size_t max,
                                     std::vector<size_t> int64_inputs) const {
  if (num_inputs() < min || num_inputs() > max) {
    return Invalid(absl::StrCat("takes ", min == max ? "" : absl::StrCat(min, " to "), max,
                                " inputs, got ", num_inputs()));
  }
  for (size_t i = 0; i < num_inputs(); ++i) {
    if (!has_input(i)) {
      if (i < min) return Invalid(absl::StrCat("input ", i, " is required"));
      continue;
    }
    bool want_int64 = std::find(int64_inputs.begin(), int64_inputs.end(), i) != int64_inputs.end();
    DataType want = want_int64 ? DataType::kInt64 : DataType::kFloat32;
    if (input_type(i) != want) {
      return Unsupported(absl::StrCat("input ", i, " ('", node_.inputs[i], "') is ",
                                      DataTypeName(input_type(i)), "; expected ",
                                      DataTypeName(want)));
    }
  }
  for (size_t i = 0; i < num_inputs(); ++i) {
    if (has_input(i) && input_type(i) == DataType::kFloat32) {
      for (int64_t d : input_shape(i)) {
        if (d == 0) return Unsupported(absl::StrCat("input ", i, " is empty (shape ",
                                                    ShapeToString(input_shape(i)), ")"));
      }
    }
  }
  return absl::OkStatus();
}

absl::Status OpContext::CheckOutputSize(size_t i, const Shape& shape) const {
  absl::Status status = builder_.CheckSize(node_.outputs[i], shape);
  if (status.ok()) return status;
  return ir::NodeError(status.code(), builder_.graph(), node_, status.message());
}

absl::Status OpContext::Invalid(absl::string_view message) const {
  return ir::NodeError(absl::StatusCode::kInvalidArgument, builder_.graph(), node_, message);
}

absl::Status OpContext::Unsupported(absl::string_view message) const {
  return ir::NodeError(absl::StatusCode::kUnimplemented, builder_.graph(), node_, message);
}

void OpContext::SetOutput(size_t i, Shape shape, DataType type) {
  if (!node_.HasOutput(i)) return;
  LayoutCache::Value& v = builder_.values().Define(node_.outputs[i]);
  v.type = type;
  v.shape = std::move(shape);
}

void OpContext::SetOutputConstant(size_t i, Tensor value) {
  if (!node_.HasOutput(i)) return;
  LayoutCache::Value& v = builder_.values().Define(node_.outputs[i]);
  v.type = value.type();
  v.shape = value.shape();
  v.constant = builder_.plan().AddConstant(std::move(value));
}

const Shape& OpContext::output_shape(size_t i) const {
  return builder_.values().at(node_.outputs[i]).shape;
}

const dnnl::engine& OpContext::engine() const { return builder_.plan().engine(); }

dnnl::memory::data_type OpContext::compute_type() const { return builder_.options().compute_type; }

bool OpContext::winograd() const { return builder_.options().winograd; }

int64_t OpContext::streamed_weights_bytes() const {
  return builder_.options().streamed_weights_bytes;
}

namespace {

const ValueRange* RangeOf(const Calibration* calibration, const std::string& name) {
  if (calibration == nullptr) return nullptr;
  auto it = calibration->ranges.find(name);
  return it == calibration->ranges.end() ? nullptr : &it->second;
}

}  // namespace

const ValueRange* OpContext::input_range(size_t i) const {
  return RangeOf(builder_.options().calibration, node_.inputs[i]);
}

const ValueRange* OpContext::output_range(size_t i) const {
  return RangeOf(builder_.options().calibration, node_.outputs[i]);
}

dnnl::memory OpContext::InputQuantized(size_t i, const dnnl::memory::desc& desc,
                                       const std::vector<float>& scales, int mask,
                                       const dnnl::memory::desc& view) {
  return builder_.values().Quantized(node_.inputs[i], desc, scales, mask, view);
}

dnnl::memory OpContext::Input(size_t i) { return builder_.values().MemoryOf(node_.inputs[i]); }

dnnl::memory OpContext::InputAs(size_t i, const dnnl::memory::desc& desc) {
  return builder_.values().Reordered(node_.inputs[i], desc);
}

dnnl::memory OpContext::InputPlain(size_t i) { return InputAs(i, PlainDesc(input_shape(i))); }

dnnl::memory OpContext::InputViewed(size_t i, const dnnl::memory::desc& view,
                                    const dnnl::memory::desc& desc) {
  return builder_.values().Viewed(node_.inputs[i], view, desc);
}

dnnl::memory OpContext::NewOutput(size_t i, const dnnl::memory::desc& desc) {
  dnnl::memory m = builder_.buffers().Allocate(desc);
  BindOutput(i, m);
  return m;
}

dnnl::memory OpContext::StoredQuantizedInput(size_t i, float* scale) const {
  const LayoutCache::Value& v = builder_.values().at(node_.inputs[i]);
  if (!v.quantized) return dnnl::memory();
  *scale = v.scale;
  return v.quantized;
}

dnnl::memory OpContext::NewQuantizedOutput(size_t i, const dnnl::memory::desc& desc, float scale) {
  dnnl::memory m = builder_.buffers().Allocate(desc);
  BindQuantizedOutput(i, m, scale);
  return m;
}

void OpContext::BindQuantizedOutput(size_t i, const dnnl::memory& memory, float scale) {
  if (!node_.HasOutput(i)) return;
  LayoutCache::Value& v = builder_.values().at(node_.outputs[i]);
  v.quantized = memory;
  v.scale = scale;
}

dnnl::memory OpContext::NewQuantizedOutputHolding(size_t i, size_t in,
                                                  const dnnl::memory::desc& desc, float scale,
                                                  dnnl::memory::data_type held_type,
                                                  float held_scale) {
  const dnnl::memory::desc held_desc = WithType(desc, held_type);
  dnnl::memory held = builder_.TakeOverQuantized(node_, node_.inputs[in], held_desc, held_scale);
  if (!held) {
    held = builder_.buffers().Allocate(held_desc);
    CopyInputInto(in, held, held_scale);
  }
  dnnl::memory m = held_type == desc.data_type() ? held : Alias(held, desc);
  BindQuantizedOutput(i, m, scale);
  return m;
}

void OpContext::CopyInputInto(size_t i, const dnnl::memory& dst, float scale) {
  builder_.values().CopyInto(node_.inputs[i], dst, scale);
}

dnnl::memory OpContext::NewOutputHolding(size_t i, size_t in, const dnnl::memory::desc& desc) {
  dnnl::memory m = builder_.TakeOver(node_, node_.inputs[in], desc);
  if (m) {
    BindOutput(i, m);
    return m;
  }
  m = NewOutput(i, desc);
  CopyInputInto(in, m);
  return m;
}

void OpContext::BindOutput(size_t i, dnnl::memory memory) {
  if (!node_.HasOutput(i)) return;
  builder_.values().at(node_.outputs[i]).memory = memory;
}

dnnl::memory OpContext::NewScratch(const dnnl::memory::desc& desc) {
  return builder_.buffers().Allocate(desc);
}

dnnl::memory OpContext::NewFilled(const dnnl::memory::desc& desc, float value) {
  return NewConstant(desc, std::vector<float>(desc.get_size() / sizeof(float), value));
}

dnnl::memory OpContext::NewConstant(const dnnl::memory::desc& desc,
                                     const std::vector<float>& values) {
  dnnl::memory m = builder_.plan().NewOwnedMemory(desc);
  std::copy(values.begin(), values.end(), static_cast<float*>(m.get_data_handle()));
  return m;
}

dnnl::memory OpContext::Alias(const dnnl::memory& memory, const dnnl::memory::desc& desc) {
  return builder_.buffers().Alias(memory, desc);
}

bool OpContext::PlaceInside(const dnnl::memory& inner, const dnnl::memory& outer,
                            int64_t offset) {
  return builder_.buffers().PlaceInside(inner, outer, offset);
}

void OpContext::AddPrimitive(dnnl::primitive primitive,
                             std::unordered_map<int, dnnl::memory> args) {
  builder_.plan().AddStep(Plan::Step::Primitive(node_.name, std::move(primitive), std::move(args)));
}

void OpContext::AddStep(std::function<void()> step, std::vector<dnnl::memory> touches) {
  builder_.plan().AddStep(Plan::Step::Cpu(node_.name, std::move(step), std::move(touches)));
}

void OpContext::CountFlops(int64_t flops) { builder_.plan().CountFlops(flops); }

void OpContext::RunNow(dnnl::primitive primitive, std::unordered_map<int, dnnl::memory> args) {
  builder_.values().RunNow(primitive, args);
}

}  // namespace convoy::engine
