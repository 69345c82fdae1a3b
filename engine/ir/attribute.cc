#include "engine/ir/attribute.h"

#include "absl/strings/str_cat.h"

namespace convoy::engine::ir {
namespace {

const char* KindName(const Attribute& a) {
  static constexpr const char* kNames[] = {"int", "float", "string", "ints", "floats", "tensor"};
  return kNames[a.index()];
}

template <typename T>
absl::StatusOr<T> Get(const absl::flat_hash_map<std::string, Attribute>& values,
                      absl::string_view name, const char* expected, const T* default_value) {
  auto it = values.find(name);
  if (it == values.end()) {
    if (default_value == nullptr) {
      return absl::InvalidArgumentError(absl::StrCat("required attribute '", name, "' is missing"));
    }
    return *default_value;
  }
  if (const T* v = std::get_if<T>(&it->second)) return *v;
  return absl::InvalidArgumentError(absl::StrCat("attribute '", name, "' is ",
                                                 KindName(it->second), ", expected ", expected));
}

}  // namespace

absl::StatusOr<int64_t> AttributeMap::GetInt(absl::string_view name, int64_t default_value) const {
  return Get<int64_t>(values_, name, "int", &default_value);
}
absl::StatusOr<float> AttributeMap::GetFloat(absl::string_view name, float default_value) const {
  return Get<float>(values_, name, "float", &default_value);
}
absl::StatusOr<std::string> AttributeMap::GetString(absl::string_view name,
                                                    absl::string_view default_value) const {
  std::string d(default_value);
  return Get<std::string>(values_, name, "string", &d);
}
absl::StatusOr<std::vector<int64_t>> AttributeMap::GetInts(
    absl::string_view name, std::vector<int64_t> default_value) const {
  return Get<std::vector<int64_t>>(values_, name, "ints", &default_value);
}
absl::StatusOr<std::vector<float>> AttributeMap::GetFloats(
    absl::string_view name, std::vector<float> default_value) const {
  return Get<std::vector<float>>(values_, name, "floats", &default_value);
}
absl::StatusOr<int64_t> AttributeMap::RequiredInt(absl::string_view name) const {
  return Get<int64_t>(values_, name, "int", nullptr);
}
absl::StatusOr<Tensor> AttributeMap::RequiredTensor(absl::string_view name) const {
  return Get<Tensor>(values_, name, "tensor", nullptr);
}

}  // namespace convoy::engine::ir
