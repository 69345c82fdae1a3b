// Makes protobuf 3.21's text parser able to skip every unknown field Triton
// configs contain.
//
// With Parser::AllowUnknownField, protobuf 3.21 skips an unknown field whose
// value is a scalar, a message, or a list after a colon (`f: [ {...} ]`), but
// fails on a list without the colon (`model_warmup [ {...} ]`), which is how
// Triton's documentation writes its repeated fields. AddListColons() rewrites
// `name [` to `name:[` wherever `name` is in field-name position, which means
// the same thing to the parser for known fields and lets it skip unknown ones.
//
// The rewrite is lexical (strings and `#` comments are left alone) and keeps
// line numbers. Where the character after the name is a space it becomes the
// colon, so columns are unchanged too; elsewhere a colon is inserted and
// OriginalColumn() maps a column of the rewritten line back.
#ifndef CONVOY_REPOSITORY_TEXT_FORMAT_COMPAT_H_
#define CONVOY_REPOSITORY_TEXT_FORMAT_COMPAT_H_

#include <map>
#include <string>
#include <vector>

#include "absl/strings/string_view.h"

namespace convoy::repository {

struct ListColonRewrite {
  std::string text;
  // Zero-based line -> columns (in the rewritten text, protobuf's
  // tab-expanded counting) at which a character was inserted.
  std::map<int, std::vector<int>> inserted_columns;

  // Maps a zero-based column of the rewritten text, as protobuf's
  // ErrorCollector reports it, to the column of the original text.
  int OriginalColumn(int line, int column) const;
};

ListColonRewrite AddListColons(absl::string_view text);

}  // namespace convoy::repository

#endif  // CONVOY_REPOSITORY_TEXT_FORMAT_COMPAT_H_
