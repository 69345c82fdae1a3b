// JSON string literals for the tools' machine-readable output.
//
//   JsonString("a \"b\"\n")  // "\"a \\\"b\\\"\\u000a\""
//
// Quotes and backslashes are escaped, control characters become \u00XX;
// other bytes (UTF-8 included) pass through as they are.
#ifndef CONVOY_TOOLS_COMMON_JSON_STRING_H_
#define CONVOY_TOOLS_COMMON_JSON_STRING_H_

#include <string>

#include "absl/strings/string_view.h"

namespace convoy {

// `text` as a quoted JSON string.
std::string JsonString(absl::string_view text);

}  // namespace convoy

#endif  // CONVOY_TOOLS_COMMON_JSON_STRING_H_
