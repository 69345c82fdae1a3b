#include "server/http/json_text.h"

#include <algorithm>
#include <charconv>
#include <cmath>
#include <cstdint>
#include <cstdlib>
#include <limits>
#include <system_error>

#include "absl/strings/charconv.h"
#include "absl/strings/str_cat.h"
#include "rapidjson/error/en.h"
#include "rapidjson/memorystream.h"
#include "rapidjson/reader.h"

namespace convoy::server {
namespace {

// Length of the valid UTF-8 sequence at `text[i]`, or 0 if none starts
// there (RFC 3629: no overlong forms, no surrogates, nothing above U+10FFFF).
size_t Utf8SequenceLength(absl::string_view text, size_t i) {
  const auto byte = [&](size_t k) { return static_cast<unsigned char>(text[k]); };
  const unsigned char lead = byte(i);
  if (lead < 0x80) return 1;
  size_t length = 0;
  unsigned char low = 0x80, high = 0xbf;  // Range of the second byte.
  if (lead >= 0xc2 && lead <= 0xdf) {
    length = 2;
  } else if (lead >= 0xe0 && lead <= 0xef) {
    length = 3;
    if (lead == 0xe0) low = 0xa0;
    if (lead == 0xed) high = 0x9f;
  } else if (lead >= 0xf0 && lead <= 0xf4) {
    length = 4;
    if (lead == 0xf0) low = 0x90;
    if (lead == 0xf4) high = 0x8f;
  } else {
    return 0;
  }
  if (i + length > text.size()) return 0;
  if (byte(i + 1) < low || byte(i + 1) > high) return 0;
  for (size_t k = 2; k < length; ++k) {
    if (byte(i + k) < 0x80 || byte(i + k) > 0xbf) return 0;
  }
  return length;
}

bool IsValidUtf8(absl::string_view text) {
  for (size_t i = 0; i < text.size();) {
    const size_t length = Utf8SequenceLength(text, i);
    if (length == 0) return false;
    i += length;
  }
  return true;
}

// The double nearest to a JSON number's text (RapidJSON has checked its
// grammar, NaN and Infinity included).
double ReadDouble(const char* text, size_t length) {
  const char* end = text + length;
  const bool minus = length > 0 && text[0] == '-';
  const char first = length > (minus ? 1u : 0u) ? text[minus ? 1 : 0] : '0';
  if (first == 'N') return std::copysign(std::numeric_limits<double>::quiet_NaN(), minus ? -1.0 : 1.0);
  if (first == 'I') return minus ? -std::numeric_limits<double>::infinity() : std::numeric_limits<double>::infinity();
  double value = 0;
  const absl::from_chars_result read = absl::from_chars(text, end, value);
  if (read.ec == std::errc::result_out_of_range) {
    // Beyond double's range either way: strtod gives +-HUGE_VAL or the
    // correctly rounded tiny value (JSON's '.' is the "C" locale's, and
    // nothing in the server changes the locale).
    return std::strtod(std::string(text, length).c_str(), nullptr);
  }
  return value;
}

// Passes a parse's events on to `Handler` (the Document being built),
// numbers (which arrive as text) read by this file's rules.
template <typename Handler>
class ExactNumbers {
 public:
  explicit ExactNumbers(Handler& handler) : handler_(handler) {}

  bool RawNumber(const char* text, rapidjson::SizeType length, bool) {
    const char* end = text + length;
    const bool integral = std::find_if(text, end, [](char c) { return c == '.' || c == 'e' || c == 'E' ||
                                                                      c == 'N' || c == 'I'; }) == end;
    if (integral && text[0] == '-') {
      int64_t value = 0;
      if (std::from_chars(text, end, value).ec == std::errc()) return handler_.Int64(value);
    } else if (integral) {
      uint64_t value = 0;
      if (std::from_chars(text, end, value).ec == std::errc()) return handler_.Uint64(value);
    }
    return handler_.Double(ReadDouble(text, length));
  }

  bool Null() { return handler_.Null(); }
  bool Bool(bool value) { return handler_.Bool(value); }
  bool Int(int value) { return handler_.Int(value); }
  bool Uint(unsigned value) { return handler_.Uint(value); }
  bool Int64(int64_t value) { return handler_.Int64(value); }
  bool Uint64(uint64_t value) { return handler_.Uint64(value); }
  bool Double(double value) { return handler_.Double(value); }
  bool String(const char* text, rapidjson::SizeType length, bool copy) { return handler_.String(text, length, copy); }
  bool StartObject() { return handler_.StartObject(); }
  bool Key(const char* text, rapidjson::SizeType length, bool copy) { return handler_.Key(text, length, copy); }
  bool EndObject(rapidjson::SizeType members) { return handler_.EndObject(members); }
  bool StartArray() { return handler_.StartArray(); }
  bool EndArray(rapidjson::SizeType elements) { return handler_.EndArray(elements); }

 private:
  Handler& handler_;
};

// For Document::Populate: parses `text` into the document's handler.
struct ExactParse {
  absl::string_view text;
  rapidjson::ParseResult result;

  template <typename Handler>
  bool operator()(Handler& handler) {
    constexpr unsigned kFlags =
        rapidjson::kParseIterativeFlag | rapidjson::kParseNanAndInfFlag | rapidjson::kParseNumbersAsStringsFlag;
    rapidjson::MemoryStream stream(text.data(), text.size());
    ExactNumbers<Handler> exact(handler);
    rapidjson::Reader reader;
    result = reader.Parse<kFlags>(stream, exact);
    return !result.IsError();
  }
};

}  // namespace

absl::Status ParseJson(absl::string_view text, absl::string_view what, rapidjson::Document* document) {
  ExactParse parse{text, {}};
  document->Populate(parse);
  if (parse.result.IsError()) {
    return absl::InvalidArgumentError(absl::StrCat("malformed JSON in ", what, ": ",
                                                   rapidjson::GetParseError_En(parse.result.Code()),
                                                   " (at byte ", parse.result.Offset(), ")"));
  }
  return absl::OkStatus();
}

std::string ValidUtf8(absl::string_view text) {
  if (IsValidUtf8(text)) return std::string(text);
  std::string repaired;
  repaired.reserve(text.size() + 8);
  for (size_t i = 0; i < text.size();) {
    const size_t length = Utf8SequenceLength(text, i);
    if (length == 0) {
      repaired.append("\xef\xbf\xbd");  // U+FFFD for each byte that starts no sequence.
      i += 1;
    } else {
      repaired.append(text.data() + i, length);
      i += length;
    }
  }
  return repaired;
}

void WriteJsonString(JsonWriter& writer, absl::string_view text) {
  if (IsValidUtf8(text)) {
    writer.String(text.data(), static_cast<rapidjson::SizeType>(text.size()));
    return;
  }
  const std::string repaired = ValidUtf8(text);
  writer.String(repaired.data(), static_cast<rapidjson::SizeType>(repaired.size()));
}

std::string DescribeJson(const rapidjson::Value& value) {
  if (value.IsNull()) return "null";
  if (value.IsBool()) return value.GetBool() ? "true" : "false";
  if (value.IsInt64()) return absl::StrCat(value.GetInt64());
  if (value.IsUint64()) return absl::StrCat(value.GetUint64());
  if (value.IsNumber()) {
    // A fraction, or a number written with one (1.0): say so.
    std::string text = absl::StrCat(value.GetDouble());
    if (text.find_first_of(".eEni") == std::string::npos) text += ".0";
    return text;
  }
  if (value.IsString()) return "a string";
  if (value.IsArray()) return "an array";
  return "an object";
}

}  // namespace convoy::server
