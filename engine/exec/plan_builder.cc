#include "engine/exec/plan_builder.h"

#include <algorithm>
#include <cstring>

#include "absl/container/flat_hash_set.h"
#include "absl/strings/str_cat.h"
#include "engine/exec/dnnl_util.h"
#include "engine/exec/op_registry.h"
#include "engine/exec/products.h"

namespace convoy {

PlanBuilder::PlanBuilder(const ir::Graph& graph, const dnnl::engine& engine,
                         const PlanOptions& options, WeightCache& weights)
    : graph_(graph), options_(options), weights_(weights),
      plan_(std::make_unique<Plan>(engine)),
      buffers_(engine),
      stream_(engine) {
  for (const auto& [name, tensor] : graph.initializers) {
    Value& v = values_[name];
    v.type = tensor.type();
    v.shape = tensor.shape();
    v.constant = &tensor;
  }
}

absl::StatusOr<std::unique_ptr<Plan>> PlanBuilder::Build(
    const ir::Graph& graph, const dnnl::engine& engine, const std::vector<const Tensor*>& inputs,
    const std::vector<std::string>& output_names, const PlanOptions& options,
    WeightCache& weights) {
  PlanBuilder builder(graph, engine, options, weights);
  if (absl::Status s = builder.BindInputs(inputs); !s.ok()) return s;
  absl::StatusOr<std::vector<const ir::Node*>> nodes = builder.NodesNeededFor(output_names);
  if (!nodes.ok()) return nodes.status();
  builder.NoteLastReaders(*nodes, output_names);
  for (const ir::Node* node : *nodes) {
    if (absl::Status s = builder.CompileNode(*node); !s.ok()) return s;
    builder.ReleaseCopiedWeights(*node);
    ++builder.compiled_;
  }
  if (absl::Status s = builder.BindOutputs(output_names); !s.ok()) return s;
  builder.PlaceActivations();
  return std::move(builder.plan_);
}

absl::Status PlanBuilder::BindInputs(const std::vector<const Tensor*>& inputs) {
  if (inputs.size() != graph_.inputs.size()) {
    return absl::InternalError("one tensor per graph input is required");
  }
  for (size_t i = 0; i < inputs.size(); ++i) {
    const Tensor& t = *inputs[i];
    if (absl::Status s = CheckSize(graph_.inputs[i].name, t.shape()); !s.ok()) return s;
    Value& v = values_[graph_.inputs[i].name];
    v.type = t.type();
    v.shape = t.shape();
    if (t.type() == DataType::kFloat32) {
      v.memory = buffers_.Allocate(PlainDesc(t.shape()));
      plan_->AddInput(v.memory);
    } else {
      v.constant = plan_->AddConstant(t);
    }
  }
  return absl::OkStatus();
}

absl::StatusOr<std::vector<const ir::Node*>> PlanBuilder::NodesNeededFor(
    const std::vector<std::string>& output_names) const {
  absl::flat_hash_map<std::string, const ir::Node*> producer;
  for (const ir::Node& node : graph_.nodes) {
    for (const std::string& out : node.outputs) producer[out] = &node;
  }
  absl::flat_hash_set<const ir::Node*> needed;
  std::vector<std::string> pending;
  for (const std::string& name : output_names) {
    if (!producer.contains(name) && !values_.contains(name)) {
      return absl::InvalidArgumentError(
          absl::StrCat(graph_.source, ": no value named '", name, "' to output"));
    }
    pending.push_back(name);
  }
  while (!pending.empty()) {
    std::string name = std::move(pending.back());
    pending.pop_back();
    auto it = producer.find(name);
    if (it == producer.end() || !needed.insert(it->second).second) continue;
    for (const std::string& in : it->second->inputs) {
      if (!in.empty()) pending.push_back(in);
    }
  }
  std::vector<const ir::Node*> order;
  for (const ir::Node& node : graph_.nodes) {
    if (needed.contains(&node)) order.push_back(&node);
  }
  return order;
}

void PlanBuilder::NoteLastReaders(const std::vector<const ir::Node*>& nodes,
                                  const std::vector<std::string>& output_names) {
  for (size_t i = 0; i < nodes.size(); ++i) {
    for (const std::string& in : nodes[i]->inputs) last_reader_[in] = i;
  }
  for (const std::string& name : output_names) last_reader_[name] = nodes.size();
}

dnnl::memory PlanBuilder::TakeOver(const ir::Node& node, const std::string& name,
                                   const dnnl::memory::desc& desc) {
  const Value& v = value(name);
  if (v.constant != nullptr || v.quantized || !v.memory || v.memory.get_desc() != desc ||
      last_reader_.at(name) != compiled_ ||
      std::count(node.inputs.begin(), node.inputs.end(), name) != 1) {
    return dnnl::memory();
  }
  if (!buffers_.Holds(v.memory)) return dnnl::memory();
  // No other value still to be read may live in the same bytes (a
  // reshape's view of it, or the value it is a view of).
  for (const auto& [other, w] : values_) {
    auto reader = last_reader_.find(other);
    if (other == name || reader == last_reader_.end() || reader->second < compiled_) continue;
    if (buffers_.ShareRoom(w.memory, v.memory) || buffers_.ShareRoom(w.quantized, v.memory)) {
      return dnnl::memory();
    }
  }
  return v.memory;
}

absl::Status PlanBuilder::CompileNode(const ir::Node& node) {
  const OpKernel* kernel = OpRegistry::Global().Find(node.op_type);
  if (kernel == nullptr) {
    return ir::NodeError(absl::StatusCode::kUnimplemented, graph_, node,
                         absl::StrCat("operator '", node.op_type, "' is not supported"));
  }
  OpContext ctx(*this, node);
  // Files may omit any input, or write it as an empty name.
  if (node.inputs.size() < kernel->min_inputs) {
    return ctx.Invalid(absl::StrCat("takes at least ", kernel->min_inputs, " inputs, has ",
                                    node.inputs.size()));
  }
  for (size_t i = 0; i < kernel->min_inputs; ++i) {
    if (node.inputs[i].empty()) return ctx.Invalid(absl::StrCat("input ", i, " is missing"));
  }
  try {
    if (absl::Status s = kernel->infer(ctx); !s.ok()) return s;
    bool all_constant = true;
    for (const std::string& out : node.outputs) {
      if (out.empty()) continue;
      if (!values_.contains(out)) return ctx.Invalid(absl::StrCat("output '", out, "' was not inferred"));
      if (absl::Status s = CheckSize(out, value(out).shape); !s.ok()) {
        return ir::NodeError(s.code(), graph_, node, s.message());
      }
      all_constant = all_constant && value(out).constant != nullptr;
    }
    if (all_constant) return absl::OkStatus();
    for (const std::string& out : node.outputs) {
      if (!out.empty() && value(out).constant == nullptr && value(out).type != DataType::kFloat32) {
        return ctx.Unsupported(absl::StrCat(
            "output '", out, "' is an int64 value that depends on run-time data; int64 values "
            "must be computable from shapes and constants"));
      }
    }
    if (kernel->build == nullptr) {
      return ctx.Unsupported("its inputs must be known when the plan is compiled");
    }
    if (absl::Status s = kernel->build(ctx); !s.ok()) return s;
    for (const std::string& out : node.outputs) {
      if (!out.empty() && value(out).constant == nullptr && !value(out).memory &&
          !value(out).quantized) {
        return absl::InternalError(absl::StrCat("node '", node.name, "' left output '", out, "' unbuilt"));
      }
    }
    return absl::OkStatus();
  } catch (const dnnl::error& e) {
    return ctx.Unsupported(absl::StrCat("oneDNN cannot run it with these shapes and attributes (",
                                        e.what(), ")"));
  }
}

namespace {

// True if every use of `name` is as the weights (input 1) of a product,
// and it is not a graph output.
bool OnlyWeightsOfProducts(const ir::Graph& graph, const std::string& name) {
  for (const TensorInfo& out : graph.outputs) {
    if (out.name == name) return false;
  }
  for (const ir::Node& node : graph.nodes) {
    for (size_t i = 0; i < node.inputs.size(); ++i) {
      if (node.inputs[i] == name && (i != 1 || !IsProduct(node))) return false;
    }
  }
  return true;
}

}  // namespace

void PlanBuilder::ReleaseCopiedWeights(const ir::Node& node) {
  if (!options_.release_weights || !IsProduct(node) || node.inputs.size() < 2) return;
  const std::string& name = node.inputs[1];
  const Tensor* shared = SharedConstant(name);
  if (shared == nullptr || !weights_.HoldsCopyOf(*shared) ||
      !OnlyWeightsOfProducts(graph_, name) ||
      plan_->Borrows(shared->raw_data(), shared->byte_size())) {
    return;
  }
  // Forget the memories that point into the bytes: later nodes restore them.
  Value& v = value(name);
  auto borrows = [shared](const dnnl::memory& m) {
    return PointsInto(m, shared->raw_data(), shared->byte_size());
  };
  if (v.memory && borrows(v.memory)) v.memory = dnnl::memory();
  v.views.erase(std::remove_if(v.views.begin(), v.views.end(), borrows), v.views.end());
  options_.release_weights(name);
}

absl::Status PlanBuilder::BindOutputs(const std::vector<std::string>& output_names) {
  for (const std::string& name : output_names) {
    const Value& v = value(name);
    Plan::Output out;
    out.shape = v.shape;
    out.type = v.type;
    out.constant = v.constant;
    if (v.constant != nullptr && !v.constant->has_bytes()) {  // Released weights.
      Tensor values(v.type, v.shape);
      std::memcpy(values.raw_data(), MemoryOf(name).get_data_handle(), values.byte_size());
      out.constant = plan_->AddConstant(std::move(values));
    }
    if (v.constant == nullptr) {
      out.memory = MemoryOf(name);
      try {
        out.to_plain = dnnl::reorder(dnnl::reorder::primitive_desc(
            plan_->engine(), out.memory.get_desc(), plan_->engine(), PlainDesc(v.shape)));
      } catch (const dnnl::error& e) {
        return absl::InternalError(
            absl::StrCat("cannot copy output '", name, "' to a plain tensor: ", e.what()));
      }
    }
    plan_->AddOutput(std::move(out));
  }
  return absl::OkStatus();
}

absl::Status PlanBuilder::CheckSize(const std::string& name, const Shape& shape) const {
  // oneDNN's limit on dimensions (DNNL_MAX_NDIMS).
  constexpr size_t kMaxRank = 12;
  if (shape.size() > kMaxRank) {
    return absl::UnimplementedError(absl::StrCat("value '", name, "' has rank ", shape.size(),
                                                 "; at most ", kMaxRank, " is supported"));
  }
  if (!ElementCountAtMost(shape, options_.max_value_bytes / 4)) {
    return absl::InvalidArgumentError(absl::StrCat(
        "value '", name, "' of shape ", ShapeToString(shape), " would exceed the limit of ",
        options_.max_value_bytes, " bytes for one tensor (ModelOptions.max_value_bytes)"));
  }
  return absl::OkStatus();
}

dnnl::memory PlanBuilder::AllocateConstant(const dnnl::memory::desc& desc) {
  return plan_->NewOwnedMemory(desc);
}

dnnl::memory PlanBuilder::AllocateFor(const std::string& name, const dnnl::memory::desc& desc) {
  if (value(name).constant == nullptr) return buffers_.Allocate(desc);
  // The graph's weights go to the WeightCache, which keeps them, and they
  // are not the plan's to count.
  if (SharedConstant(name) != nullptr) return dnnl::memory(desc, plan_->engine());
  return AllocateConstant(desc);
}

void PlanBuilder::PlaceActivations() {
  plan_->ForEachUse([&](const dnnl::memory& m, int step) { buffers_.Touch(m, step); });
  const ArenaLayout layout = buffers_.LayOut();
  if (options_.reserve_activations) {
    // What Plan::activation_bytes() will count: the arena, and the memories
    // the plan owns already.
    options_.reserve_activations(layout.bytes + plan_->activation_bytes());
  }
  plan_->set_arena(buffers_.Place(layout));
}

dnnl::memory PlanBuilder::MemoryOf(const std::string& name) {
  Value& v = value(name);
  if (v.quantized && !v.memory) {
    v.memory = buffers_.Allocate(WithType(v.quantized.get_desc(), dnnl::memory::data_type::f32));
    dnnl::primitive_attr attr;
    attr.set_output_scales(0, {1.0f / v.scale});
    Reorder(name, v.quantized, v.memory, attr);
  }
  if (v.memory || v.constant == nullptr) return v.memory;
  const dnnl::memory::desc plain = PlainDesc(v.shape);
  if (v.constant->has_bytes()) {
    // oneDNN wants a mutable handle; constants are only ever read.
    v.memory = dnnl::memory(plain, plan_->engine(), const_cast<void*>(v.constant->raw_data()));
  } else {
    // Released weights (PlanOptions::release_weights): plain again, once
    // for all plans, from the cache's copy.
    v.memory = weights_.GetOrMake(v.constant, plain, plain, [&] {
      dnnl::memory m = AllocateFor(name, plain);
      weights_.CopyPlain(v.constant, m.get_data_handle(), plan_->engine());
      return m;
    });
  }
  return v.memory;
}

dnnl::memory PlanBuilder::Reordered(const std::string& name, const dnnl::memory::desc& desc) {
  Value& v = value(name);
  if (v.constant == nullptr) MemoryOf(name);  // An int8 output: float32 first.
  // Constants are materialised only if no cached layout serves.
  const dnnl::memory::desc stored = v.memory ? v.memory.get_desc() : PlainDesc(v.shape);
  if (stored == desc) return MemoryOf(name);
  for (const dnnl::memory& view : v.views) {
    if (view.get_desc() == desc) return view;
  }
  if (desc.dims() != stored.dims()) {
    // Same elements seen with other dims (grouped weights, broadcast ranks),
    // in the element type they are stored in.
    dnnl::memory m = Viewed(
        name, dnnl::memory::desc(desc.dims(), stored.data_type(), PlainStrides(desc.dims())), desc);
    v.views.push_back(m);
    return m;
  }
  auto make = [&] {
    dnnl::memory m = AllocateFor(name, desc);
    Reorder(name, MemoryOf(name), m);
    return m;
  };
  const Tensor* shared = SharedConstant(name);
  dnnl::memory dst = shared != nullptr ? weights_.GetOrMake(shared, stored, desc, make) : make();
  v.views.push_back(dst);
  return dst;
}

dnnl::memory PlanBuilder::Viewed(const std::string& name, const dnnl::memory::desc& view,
                                 const dnnl::memory::desc& desc) {
  const Tensor* shared = SharedConstant(name);
  if (shared == nullptr || view == desc) return ViewedUncached(name, view, desc);
  return weights_.GetOrMake(shared, view, desc, [&] { return ViewedUncached(name, view, desc); });
}

dnnl::memory PlanBuilder::Quantized(const std::string& name, const dnnl::memory::desc& desc,
                                    const std::vector<float>& scales, int mask,
                                    const dnnl::memory::desc& view) {
  Value& v = value(name);
  // A value's scales are its own (its calibrated range, or its weights'
  // channels), so an integer view of it in this layout can be shared.
  for (const dnnl::memory& made : v.views) {
    if (made.get_desc() == desc) return made;
  }
  if (v.quantized) {  // Already scaled by its range, as `scales` would.
    if (v.quantized.get_desc() == desc) return v.quantized;
    dnnl::memory dst = buffers_.Allocate(desc);
    Reorder(name, v.quantized, dst);
    v.views.push_back(dst);
    return dst;
  }
  const dnnl::memory src = v.constant == nullptr ? MemoryOf(name)
                           : view ? Viewed(name, view, view)
                                  : Reordered(name, dnnl::memory::desc(desc.dims(),
                                                                       dnnl::memory::data_type::f32,
                                                                       PlainStrides(desc.dims())));
  auto make = [&] {
    dnnl::primitive_attr attr;
    attr.set_output_scales(mask, scales);
    dnnl::memory m = AllocateFor(name, desc);
    Reorder(name, src, m, attr);
    return m;
  };
  const Tensor* shared = SharedConstant(name);
  dnnl::memory dst = shared != nullptr ? weights_.GetOrMake(shared, src.get_desc(), desc, make) : make();
  v.views.push_back(dst);
  return dst;
}

const Tensor* PlanBuilder::SharedConstant(const std::string& name) const {
  auto it = graph_.initializers.find(name);
  const Tensor* constant = value(name).constant;
  return it != graph_.initializers.end() && &it->second == constant ? constant : nullptr;
}

dnnl::memory PlanBuilder::ViewedUncached(const std::string& name, const dnnl::memory::desc& view,
                                         const dnnl::memory::desc& desc) {
  Value& v = value(name);
  dnnl::memory plain = Reordered(name, PlainDesc(v.shape));
  dnnl::memory src = buffers_.Alias(plain, view);
  if (view == desc) return src;
  dnnl::memory dst = AllocateFor(name, desc);
  Reorder(name, src, dst);
  return dst;
}

void PlanBuilder::CopyInto(const std::string& name, const dnnl::memory& dst, float scale) {
  const Value& v = value(name);
  const dnnl::memory src = v.quantized ? v.quantized : MemoryOf(name);
  const float factor = v.quantized ? scale / v.scale : scale;
  if (factor == 1 && src.get_desc() == dst.get_desc()) {
    // A memcpy beats oneDNN's generic same-layout reorder severalfold.
    plan_->AddStep(Plan::Step::Cpu(
        name,
        [src, dst] {
          std::memcpy(dst.get_data_handle(), src.get_data_handle(), dst.get_desc().get_size());
        },
        {src, dst}));
    return;
  }
  dnnl::primitive_attr attr;
  if (factor != 1) attr.set_output_scales(0, {factor});
  // A step even for a constant: `dst` is run-time memory.
  plan_->AddStep(Plan::Step::Primitive(name,
                                       dnnl::reorder(dnnl::reorder::primitive_desc(src, dst, attr)),
                                       {{DNNL_ARG_FROM, src}, {DNNL_ARG_TO, dst}}));
}

void PlanBuilder::Reorder(const std::string& name, dnnl::memory src, dnnl::memory dst,
                          const dnnl::primitive_attr& attr) {
  dnnl::reorder reorder(dnnl::reorder::primitive_desc(src, dst, attr));
  if (value(name).constant != nullptr) {
    reorder.execute(stream_, src, dst);
    stream_.wait();
  } else {
    plan_->AddStep(
        Plan::Step::Primitive(name, reorder, {{DNNL_ARG_FROM, src}, {DNNL_ARG_TO, dst}}));
  }
}

}  // namespace convoy
