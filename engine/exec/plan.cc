#include "engine/exec/plan.h"

#include <algorithm>
#include <cstring>
#include <utility>

#include "absl/strings/str_cat.h"
#include "engine/exec/dnnl_util.h"

namespace convoy::engine {

absl::StatusOr<std::vector<Tensor>> Plan::Run(const std::vector<const Tensor*>& inputs) {
  if (inputs.size() != inputs_.size()) {
    return absl::InternalError(absl::StrCat("plan expects ", inputs_.size(), " inputs, got ",
                                            inputs.size()));
  }
  for (size_t i = 0; i < inputs.size(); ++i) {
    if (inputs[i]->byte_size() == 0) continue;  // Empty tensors have no buffer.
    std::memcpy(inputs_[i].get_data_handle(), inputs[i]->raw_data(), inputs[i]->byte_size());
  }
  const Step* current = nullptr;
  try {
    for (const Step& step : steps_) {
      current = &step;
      if (step.cpu) {
        stream_.wait();
        step.cpu();
      } else {
        step.primitive.execute(stream_, step.args);
      }
    }
    std::vector<Tensor> results;
    results.reserve(outputs_.size());
    for (const Output& out : outputs_) {
      if (out.constant != nullptr) {
        results.push_back(*out.constant);
        continue;
      }
      Tensor t(DataType::kFloat32, out.shape);
      dnnl::memory dst(PlainDesc(out.shape), engine_, t.raw_data());
      out.to_plain.execute(stream_, {{DNNL_ARG_FROM, out.memory}, {DNNL_ARG_TO, dst}});
      results.push_back(std::move(t));
    }
    stream_.wait();
    return results;
  } catch (const dnnl::error& e) {
    return absl::InternalError(absl::StrCat("oneDNN failed while running node '",
                                            current ? current->node : "output", "': ", e.what()));
  }
}

Plan::Step Plan::Step::Primitive(std::string node, dnnl::primitive primitive,
                                 std::unordered_map<int, dnnl::memory> args) {
  Step step;
  step.node = std::move(node);
  step.primitive = std::move(primitive);
  step.args = std::move(args);
  return step;
}

Plan::Step Plan::Step::Cpu(std::string node, std::function<void()> cpu,
                           std::vector<dnnl::memory> touches) {
  Step step;
  step.node = std::move(node);
  step.cpu = std::move(cpu);
  step.touches = std::move(touches);
  return step;
}

dnnl::memory Plan::NewOwnedMemory(const dnnl::memory::desc& desc) {
  dnnl::memory memory(desc, engine_);
  memories_.push_back(memory);
  return memory;
}

void Plan::ForEachUse(const std::function<void(const dnnl::memory& memory, int step)>& use) const {
  for (const dnnl::memory& m : inputs_) use(m, 0);
  for (size_t i = 0; i < steps_.size(); ++i) {
    for (const auto& [arg, m] : steps_[i].args) use(m, static_cast<int>(i));
    for (const dnnl::memory& m : steps_[i].touches) use(m, static_cast<int>(i));
  }
  for (const Output& out : outputs_) {
    if (out.memory) use(out.memory, static_cast<int>(steps_.size()));
  }
}

bool Plan::Borrows(const void* data, size_t size) const {
  auto inside = [&](const dnnl::memory& m) { return PointsInto(m, data, size); };
  for (const Step& step : steps_) {
    for (const auto& [arg, m] : step.args) {
      if (inside(m)) return true;
    }
    for (const dnnl::memory& m : step.touches) {
      if (inside(m)) return true;
    }
  }
  for (const Output& out : outputs_) {
    if ((out.memory && inside(out.memory)) ||
        (out.constant != nullptr && out.constant->raw_data() == data)) {
      return true;
    }
  }
  return false;
}

int64_t Plan::activation_bytes() const {
  int64_t bytes = arena_ ? static_cast<int64_t>(arena_.get_desc().get_size()) : 0;
  for (const dnnl::memory& memory : memories_) {
    bytes += static_cast<int64_t>(memory.get_desc().get_size());
  }
  return bytes;
}

int Plan::steps(dnnl::primitive::kind kind) const {
  int count = 0;
  for (const Step& step : steps_) count += !step.cpu && step.primitive.get_kind() == kind;
  return count;
}

std::vector<std::string> Plan::implementations(dnnl::primitive::kind kind) const {
  std::vector<std::string> names;
  for (const Step& step : steps_) {
    if (step.cpu || step.primitive.get_kind() != kind) continue;
    const char* name = nullptr;
    dnnl_primitive_desc_query(step.primitive.get_primitive_desc(), dnnl_query_impl_info_str, 0,
                              &name);
    names.emplace_back(name != nullptr ? name : "");
  }
  return names;
}

int Plan::cpu_steps() const {
  return static_cast<int>(std::count_if(steps_.begin(), steps_.end(),
                                         [](const Step& step) { return bool(step.cpu); }));
}

}  // namespace convoy::engine
