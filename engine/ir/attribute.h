// Node attributes, typed, with lookups that report what is wrong by name.
#ifndef CONVOY_ENGINE_IR_ATTRIBUTE_H_
#define CONVOY_ENGINE_IR_ATTRIBUTE_H_

#include <cstdint>
#include <string>
#include <variant>
#include <vector>

#include "absl/container/flat_hash_map.h"
#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "engine/api/tensor.h"

namespace convoy::engine::ir {

using Attribute = std::variant<int64_t, float, std::string, std::vector<int64_t>,
                               std::vector<float>, Tensor>;

// Lookups return InvalidArgument "attribute 'x' is a string, expected int" on
// a type mismatch; callers prefix the node. Missing attributes take the
// default given, or are an error for the Required* forms.
class AttributeMap {
 public:
  void Set(std::string name, Attribute value) { values_[std::move(name)] = std::move(value); }
  bool Has(absl::string_view name) const { return values_.contains(name); }
  const absl::flat_hash_map<std::string, Attribute>& all() const { return values_; }

  absl::StatusOr<int64_t> GetInt(absl::string_view name, int64_t default_value) const;
  absl::StatusOr<float> GetFloat(absl::string_view name, float default_value) const;
  absl::StatusOr<std::string> GetString(absl::string_view name,
                                        absl::string_view default_value) const;
  absl::StatusOr<std::vector<int64_t>> GetInts(absl::string_view name,
                                               std::vector<int64_t> default_value) const;
  absl::StatusOr<std::vector<float>> GetFloats(absl::string_view name,
                                               std::vector<float> default_value) const;
  absl::StatusOr<int64_t> RequiredInt(absl::string_view name) const;
  absl::StatusOr<Tensor> RequiredTensor(absl::string_view name) const;

 private:
  absl::flat_hash_map<std::string, Attribute> values_;
};

}  // namespace convoy::engine::ir

#endif  // CONVOY_ENGINE_IR_ATTRIBUTE_H_
