#include "engine/api/npy_header.h"

#include <cctype>
#include <cstdint>
#include <limits>
#include <map>
#include <utility>
#include <vector>

#include "absl/status/status.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"

namespace convoy::engine {
namespace {

// A Python literal value, as far as .npy headers need them.
struct PyValue {
  enum class Kind { kString, kBool, kInt, kNone, kTuple, kList, kDict };
  Kind kind = Kind::kNone;
  std::string str;
  bool boolean = false;
  int64_t integer = 0;
  std::vector<PyValue> items;                           // kTuple, kList
  std::vector<std::pair<std::string, PyValue>> fields;  // kDict, in source order
};

std::string KindName(PyValue::Kind kind) {
  switch (kind) {
    case PyValue::Kind::kString:
      return "a string";
    case PyValue::Kind::kBool:
      return "a bool";
    case PyValue::Kind::kInt:
      return "an integer";
    case PyValue::Kind::kNone:
      return "None";
    case PyValue::Kind::kTuple:
      return "a tuple";
    case PyValue::Kind::kList:
      return "a list";
    case PyValue::Kind::kDict:
      return "a dict";
  }
  return "a value";
}

// Recursive descent over the text. Nesting is capped so that a hostile header
// of a million '(' cannot exhaust the stack.
class LiteralParser {
 public:
  explicit LiteralParser(absl::string_view text) : text_(text) {}

  absl::StatusOr<PyValue> ParseWhole() {
    absl::StatusOr<PyValue> value = ParseValue(0);
    if (!value.ok()) return value;
    SkipSpace();
    if (pos_ != text_.size()) return Error("unexpected text after the header dict");
    return value;
  }

 private:
  static constexpr int kMaxDepth = 32;

  absl::Status Error(absl::string_view what) const {
    return absl::InvalidArgumentError(
        absl::StrCat("malformed header at offset ", pos_, ": ", what));
  }

  void SkipSpace() {
    while (pos_ < text_.size() && (text_[pos_] == ' ' || text_[pos_] == '\t' ||
                                   text_[pos_] == '\n' || text_[pos_] == '\r')) {
      ++pos_;
    }
  }

  bool Consume(char c) {
    SkipSpace();
    if (pos_ < text_.size() && text_[pos_] == c) {
      ++pos_;
      return true;
    }
    return false;
  }

  bool ConsumeWord(absl::string_view word) {
    if (text_.substr(pos_, word.size()) != word) return false;
    size_t end = pos_ + word.size();
    if (end < text_.size() &&
        (std::isalnum(static_cast<unsigned char>(text_[end])) || text_[end] == '_')) {
      return false;
    }
    pos_ = end;
    return true;
  }

  absl::StatusOr<PyValue> ParseValue(int depth) {
    if (depth > kMaxDepth) return Error("nesting too deep");
    SkipSpace();
    if (pos_ >= text_.size()) return Error("unexpected end of header");
    char c = text_[pos_];
    if (c == '{') return ParseDict(depth);
    if (c == '(') return ParseSequence(depth, PyValue::Kind::kTuple, ')');
    if (c == '[') return ParseSequence(depth, PyValue::Kind::kList, ']');
    if (c == '\'' || c == '"' ||
        ((c == 'u' || c == 'b') && pos_ + 1 < text_.size() &&
         (text_[pos_ + 1] == '\'' || text_[pos_ + 1] == '"'))) {
      return ParseString();
    }
    if (c == '-' || c == '+' || (c >= '0' && c <= '9')) return ParseInt();
    PyValue value;
    if (ConsumeWord("True")) {
      value.kind = PyValue::Kind::kBool;
      value.boolean = true;
      return value;
    }
    if (ConsumeWord("False")) {
      value.kind = PyValue::Kind::kBool;
      return value;
    }
    if (ConsumeWord("None")) return value;
    return Error(absl::StrCat("unexpected character '", absl::string_view(&text_[pos_], 1), "'"));
  }

  absl::StatusOr<PyValue> ParseString() {
    if (text_[pos_] == 'u' || text_[pos_] == 'b') ++pos_;  // u'' and b'' prefixes
    char quote = text_[pos_++];
    PyValue value;
    value.kind = PyValue::Kind::kString;
    while (pos_ < text_.size() && text_[pos_] != quote) {
      if (text_[pos_] == '\n') return Error("newline inside a string");
      if (text_[pos_] == '\\') {
        // Only the escapes repr() uses for printable text; a dtype string never
        // needs more.
        if (++pos_ >= text_.size()) break;
      }
      value.str.push_back(text_[pos_++]);
    }
    if (pos_ >= text_.size()) return Error("unterminated string");
    ++pos_;  // closing quote
    return value;
  }

  absl::StatusOr<PyValue> ParseInt() {
    bool negative = false;
    if (text_[pos_] == '-' || text_[pos_] == '+') negative = text_[pos_++] == '-';
    size_t start = pos_;
    uint64_t magnitude = 0;
    constexpr uint64_t kLimit = static_cast<uint64_t>(std::numeric_limits<int64_t>::max());
    while (pos_ < text_.size() && text_[pos_] >= '0' && text_[pos_] <= '9') {
      uint64_t digit = static_cast<uint64_t>(text_[pos_] - '0');
      if (magnitude > (kLimit - digit) / 10) return Error("integer does not fit in 64 bits");
      magnitude = magnitude * 10 + digit;
      ++pos_;
    }
    if (pos_ == start) return Error("expected digits");
    if (pos_ < text_.size() && (text_[pos_] == 'L' || text_[pos_] == 'l')) ++pos_;  // Python 2 long
    if (pos_ < text_.size() && (std::isalnum(static_cast<unsigned char>(text_[pos_])) ||
                                text_[pos_] == '.' || text_[pos_] == '_')) {
      return Error("only decimal integers are supported");
    }
    PyValue value;
    value.kind = PyValue::Kind::kInt;
    value.integer = negative ? -static_cast<int64_t>(magnitude) : static_cast<int64_t>(magnitude);
    return value;
  }

  // '(' [value (',' value)* [',']] ')', and the same for lists.
  absl::StatusOr<PyValue> ParseSequence(int depth, PyValue::Kind kind, char close) {
    ++pos_;  // opening bracket
    PyValue value;
    value.kind = kind;
    bool saw_comma = false;
    while (true) {
      if (Consume(close)) break;
      if (!value.items.empty() && !saw_comma) {
        return Error(absl::StrCat("expected ',' or '", absl::string_view(&close, 1), "'"));
      }
      absl::StatusOr<PyValue> item = ParseValue(depth + 1);
      if (!item.ok()) return item.status();
      value.items.push_back(*std::move(item));
      saw_comma = Consume(',');
    }
    // "(5)" is just 5 in Python; NumPy always writes "(5,)" for a 1-tuple.
    if (kind == PyValue::Kind::kTuple && value.items.size() == 1 && !saw_comma) {
      return std::move(value.items[0]);
    }
    return value;
  }

  // '{' [key ':' value (',' key ':' value)* [',']] '}', with string keys.
  absl::StatusOr<PyValue> ParseDict(int depth) {
    ++pos_;  // '{'
    PyValue value;
    value.kind = PyValue::Kind::kDict;
    bool saw_comma = false;
    while (true) {
      if (Consume('}')) break;
      if (!value.fields.empty() && !saw_comma) return Error("expected ',' or '}'");
      SkipSpace();
      absl::StatusOr<PyValue> key = ParseValue(depth + 1);
      if (!key.ok()) return key.status();
      if (key->kind != PyValue::Kind::kString) return Error("dict keys must be strings");
      if (!Consume(':')) return Error(absl::StrCat("expected ':' after key '", key->str, "'"));
      for (const auto& field : value.fields) {
        if (field.first == key->str) return Error(absl::StrCat("duplicate key '", key->str, "'"));
      }
      absl::StatusOr<PyValue> item = ParseValue(depth + 1);
      if (!item.ok()) return item.status();
      value.fields.emplace_back(key->str, *std::move(item));
      saw_comma = Consume(',');
    }
    return value;
  }

  absl::string_view text_;
  size_t pos_ = 0;
};

absl::Status HeaderError(absl::string_view what) {
  return absl::InvalidArgumentError(absl::StrCat("malformed header: ", what));
}

// NumPy's write_array_header reserves room so the first dimension can grow to
// this many digits without rewriting the file; mirrored so our files match.
constexpr size_t kGrowthAxisMaxDigits = 21;

}  // namespace

absl::StatusOr<NpyHeader> ParseNpyHeader(absl::string_view text) {
  absl::StatusOr<PyValue> parsed = LiteralParser(text).ParseWhole();
  if (!parsed.ok()) return parsed.status();
  if (parsed->kind != PyValue::Kind::kDict) {
    return HeaderError(absl::StrCat("expected a dict, found ", KindName(parsed->kind)));
  }
  std::map<std::string, const PyValue*> fields;
  for (const auto& field : parsed->fields) fields[field.first] = &field.second;
  if (fields.size() != 3 || !fields.count("descr") || !fields.count("fortran_order") ||
      !fields.count("shape")) {
    std::vector<std::string> keys;
    for (const auto& field : fields) keys.push_back(absl::StrCat("'", field.first, "'"));
    return HeaderError(absl::StrCat("expected the keys 'descr', 'fortran_order', 'shape'; found ",
                                    keys.empty() ? "none" : absl::StrJoin(keys, ", ")));
  }

  NpyHeader header;
  const PyValue& descr = *fields["descr"];
  if (descr.kind == PyValue::Kind::kList) {
    return HeaderError("'descr' is a structured dtype (a list of fields), which is not supported");
  }
  if (descr.kind != PyValue::Kind::kString) {
    return HeaderError(absl::StrCat("'descr' must be a string, found ", KindName(descr.kind)));
  }
  header.descr = descr.str;

  const PyValue& fortran = *fields["fortran_order"];
  if (fortran.kind != PyValue::Kind::kBool) {
    return HeaderError(
        absl::StrCat("'fortran_order' must be True or False, found ", KindName(fortran.kind)));
  }
  header.fortran_order = fortran.boolean;

  const PyValue& shape = *fields["shape"];
  if (shape.kind != PyValue::Kind::kTuple) {
    return HeaderError(absl::StrCat("'shape' must be a tuple, found ", KindName(shape.kind)));
  }
  for (const PyValue& dim : shape.items) {
    if (dim.kind != PyValue::Kind::kInt) {
      return HeaderError(
          absl::StrCat("'shape' entries must be integers, found ", KindName(dim.kind)));
    }
    if (dim.integer < 0) {
      return HeaderError(absl::StrCat("'shape' has a negative dimension ", dim.integer));
    }
    header.shape.push_back(dim.integer);
  }
  return header;
}

std::string FormatNpyHeader(const NpyHeader& header) {
  // Python's repr of a tuple: "()", "(5,)", "(2, 3)".
  std::string shape =
      absl::StrCat("(", absl::StrJoin(header.shape, ", "), header.shape.size() == 1 ? ",)" : ")");
  std::string text = absl::StrCat("{'descr': '", header.descr,
                                  "', 'fortran_order': ", header.fortran_order ? "True" : "False",
                                  ", 'shape': ", shape, ", }");
  if (!header.shape.empty()) {
    int64_t growth_dim = header.fortran_order ? header.shape.back() : header.shape.front();
    size_t digits = absl::StrCat(growth_dim).size();
    if (digits < kGrowthAxisMaxDigits) text.append(kGrowthAxisMaxDigits - digits, ' ');
  }
  return text;
}

}  // namespace convoy::engine
