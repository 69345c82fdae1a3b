// The JSON conventions of Convoy's REST front end, in one place: how bodies
// are parsed, the writer every answer is written with, and strings that are
// valid UTF-8 JSON whatever bytes they came from.
//
// Non-finite numbers follow Triton: the writer prints NaN, Infinity and
// -Infinity as bare tokens and the parser accepts them (RapidJSON's NaN/Inf
// flags). Strict JSON has no such numbers; Python's json module, which
// Triton's and KServe's Python clients parse with, reads and writes exactly
// these tokens, so an FP32 output of NaN reaches such a client as NaN
// instead of failing the request.
//
// Internal to server_rest_codec (it exposes RapidJSON types). Pure functions;
// thread-safe.
#ifndef CONVOY_SERVER_HTTP_JSON_TEXT_H_
#define CONVOY_SERVER_HTTP_JSON_TEXT_H_

#include <string>

#include "absl/status/status.h"
#include "absl/strings/string_view.h"
#include "rapidjson/document.h"
#include "rapidjson/stringbuffer.h"
#include "rapidjson/writer.h"

namespace convoy::server {

using JsonWriter = rapidjson::Writer<rapidjson::StringBuffer, rapidjson::UTF8<>, rapidjson::UTF8<>,
                                     rapidjson::CrtAllocator, rapidjson::kWriteNanAndInfFlag>;

// Parses `text` into `document`; on failure INVALID_ARGUMENT naming `what`
// (e.g. "the inference request"), RapidJSON's reason and the byte offset.
//
// Parsing is iterative, so hostile nesting cannot exhaust the stack. Every
// number is read exactly: an integer that fits int64 or uint64 is one (as
// RapidJSON makes it), any other number is the double nearest to its
// decimal text, so FP64 values arrive as sent. (RapidJSON 1.1's own number
// reading is either up to some ulps off or, with its full-precision flag,
// wrong for zeros such as 0e-38, which become garbage of either sign.)
absl::Status ParseJson(absl::string_view text, absl::string_view what, rapidjson::Document* document);

// `text` with every invalid UTF-8 sequence replaced by U+FFFD; unchanged
// (and not copied twice) when it is valid.
std::string ValidUtf8(absl::string_view text);

// Writes `text` as a JSON string (quotes, backslashes and control characters
// escaped; invalid UTF-8 replaced as by ValidUtf8).
void WriteJsonString(JsonWriter& writer, absl::string_view text);

// A short description of a JSON value for error messages: its text for
// numbers, booleans and null, "a string", "an array", "an object".
std::string DescribeJson(const rapidjson::Value& value);

}  // namespace convoy::server

#endif  // CONVOY_SERVER_HTTP_JSON_TEXT_H_
