#include "engine/exec/plan_builder.h"

#include <algorithm>
#include <cstring>

#include "absl/container/flat_hash_set.h"
#include "absl/strings/str_cat.h"
#include "engine/exec/dnnl_util.h"
#include "engine/exec/op_context.h"
#include "engine/exec/op_registry.h"
#include "engine/exec/products.h"

namespace convoy::engine {

PlanBuilder::PlanBuilder(const ir::Graph& graph, const dnnl::engine& engine,
                         const PlanOptions& options, WeightCache& weights)
    : graph_(graph),
      options_(options),
      weights_(weights),
      plan_(std::make_unique<Plan>(engine)),
      buffers_(engine),
      values_(graph, weights, buffers_, *plan_) {}

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
    LayoutCache::Value& v = values_.Define(graph_.inputs[i].name);
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
    if (!producer.contains(name) && values_.Find(name) == nullptr) {
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
  const LayoutCache::Value& v = values_.at(name);
  if (v.constant != nullptr || v.quantized || !v.memory || v.memory.get_desc() != desc ||
      !MayWriteOver(node, name, v.memory)) {
    return dnnl::memory();
  }
  return v.memory;
}

dnnl::memory PlanBuilder::TakeOverQuantized(const ir::Node& node, const std::string& name,
                                            const dnnl::memory::desc& desc, float scale) {
  const LayoutCache::Value& v = values_.at(name);
  if (!v.quantized || v.quantized.get_desc() != desc || v.scale != scale ||
      !MayWriteOver(node, name, v.quantized)) {
    return dnnl::memory();
  }
  return v.quantized;
}

bool PlanBuilder::MayWriteOver(const ir::Node& node, const std::string& name,
                               const dnnl::memory& memory) const {
  if (last_reader_.at(name) != compiled_ ||
      std::count(node.inputs.begin(), node.inputs.end(), name) != 1 || !buffers_.Holds(memory)) {
    return false;
  }
  // No other value still to be read may live in the same bytes (a
  // reshape's view of it, or the value it is a view of).
  for (const auto& [other, reader] : last_reader_) {
    const LayoutCache::Value* w = values_.Find(other);
    if (other == name || reader < compiled_ || w == nullptr) continue;
    if (buffers_.ShareRoom(w->memory, memory) || buffers_.ShareRoom(w->quantized, memory)) {
      return false;
    }
  }
  return true;
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
      const LayoutCache::Value* v = values_.Find(out);
      if (v == nullptr) return ctx.Invalid(absl::StrCat("output '", out, "' was not inferred"));
      if (absl::Status s = CheckSize(out, v->shape); !s.ok()) {
        return ir::NodeError(s.code(), graph_, node, s.message());
      }
      all_constant = all_constant && v->constant != nullptr;
    }
    if (all_constant) return absl::OkStatus();
    for (const std::string& out : node.outputs) {
      if (out.empty()) continue;
      const LayoutCache::Value& v = values_.at(out);
      if (v.constant == nullptr && v.type != DataType::kFloat32) {
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
      if (out.empty()) continue;
      const LayoutCache::Value& v = values_.at(out);
      if (v.constant == nullptr && !v.memory && !v.quantized) {
        return absl::InternalError(
            absl::StrCat("node '", node.name, "' left output '", out, "' unbuilt"));
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
  const Tensor* shared = values_.SharedConstant(name);
  if (shared == nullptr || !weights_.HoldsCopyOf(*shared) ||
      !OnlyWeightsOfProducts(graph_, name) ||
      plan_->Borrows(shared->raw_data(), shared->byte_size())) {
    return;
  }
  values_.ForgetBytesOf(name);  // Later nodes restore what they need.
  options_.release_weights(name);
}

absl::Status PlanBuilder::BindOutputs(const std::vector<std::string>& output_names) {
  for (const std::string& name : output_names) {
    const LayoutCache::Value& v = values_.at(name);
    Plan::Output out;
    out.shape = v.shape;
    out.type = v.type;
    out.constant = v.constant;
    if (v.constant != nullptr && !v.constant->has_bytes()) {  // Released weights.
      Tensor values(v.type, v.shape);
      const dnnl::memory plain = values_.MemoryOf(name);
      std::memcpy(values.raw_data(), plain.get_data_handle(), values.byte_size());
      out.constant = plan_->AddConstant(std::move(values));
    }
    if (v.constant == nullptr) {
      out.memory = values_.MemoryOf(name);
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

}  // namespace convoy::engine
