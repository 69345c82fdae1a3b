#include "repository/text_format_compat.h"

#include <algorithm>
#include <cctype>

namespace convoy::repository {
namespace {

bool IsIdentifierStart(char c) {
  return std::isalpha(static_cast<unsigned char>(c)) || c == '_';
}
bool IsIdentifierChar(char c) {
  return std::isalnum(static_cast<unsigned char>(c)) || c == '_';
}

// Writes the rewritten text while tracking the position protobuf's tokenizer
// would report for it (zero-based line; tabs advance to a multiple of 8).
class Writer {
 public:
  explicit Writer(ListColonRewrite* out) : out_(out) {}

  void Put(char c) {
    out_->text.push_back(c);
    if (c == '\n') {
      ++line_;
      column_ = 0;
    } else if (c == '\t') {
      column_ += 8 - column_ % 8;
    } else {
      ++column_;
    }
  }
  void InsertColon() {
    out_->inserted_columns[line_].push_back(column_);
    Put(':');
  }

 private:
  ListColonRewrite* out_;
  int line_ = 0;
  int column_ = 0;
};

// Index of the next character that is not whitespace or inside a comment.
size_t SkipBlank(absl::string_view text, size_t i) {
  while (i < text.size()) {
    if (text[i] == '#') {
      while (i < text.size() && text[i] != '\n') ++i;
    } else if (std::isspace(static_cast<unsigned char>(text[i]))) {
      ++i;
    } else {
      break;
    }
  }
  return i;
}

}  // namespace

int ListColonRewrite::OriginalColumn(int line, int column) const {
  const auto it = inserted_columns.find(line);
  if (it == inserted_columns.end()) return column;
  const auto shifted = std::count_if(it->second.begin(), it->second.end(),
                                     [column](int inserted) { return inserted < column; });
  return column - static_cast<int>(shifted);
}

ListColonRewrite AddListColons(absl::string_view text) {
  ListColonRewrite out;
  out.text.reserve(text.size() + 16);
  Writer writer(&out);
  // Open brackets; inside '[' come values, elsewhere field names.
  std::vector<char> open;
  // Whether the previous token was ':', i.e. an identifier now is a value.
  bool after_colon = false;

  size_t i = 0;
  while (i < text.size()) {
    const char c = text[i];
    if (c == '#') {
      while (i < text.size() && text[i] != '\n') writer.Put(text[i++]);
    } else if (std::isspace(static_cast<unsigned char>(c))) {
      writer.Put(text[i++]);
    } else if (c == '"' || c == '\'') {
      // A string ends at its closing quote or, unterminated, at the line end
      // (left for the parser to report).
      writer.Put(text[i++]);
      while (i < text.size() && text[i] != '\n') {
        const char d = text[i++];
        writer.Put(d);
        if (d == '\\' && i < text.size() && text[i] != '\n') {
          writer.Put(text[i++]);
        } else if (d == c) {
          break;
        }
      }
      after_colon = false;
    } else if (IsIdentifierStart(c)) {
      while (i < text.size() && IsIdentifierChar(text[i])) writer.Put(text[i++]);
      const bool field_name = !after_colon && (open.empty() || open.back() != '[');
      const size_t next = SkipBlank(text, i);
      if (field_name && next < text.size() && text[next] == '[') {
        if (text[i] == ' ') {
          writer.Put(':');
          ++i;
        } else {
          writer.InsertColon();
        }
      }
      after_colon = false;
    } else if (c == '-' || c == '+') {
      writer.Put(text[i++]);  // A sign: the value follows, after_colon holds.
    } else if (std::isdigit(static_cast<unsigned char>(c)) || c == '.') {
      // A number, exponent sign included ("1e-5").
      while (i < text.size() &&
             (IsIdentifierChar(text[i]) || text[i] == '.' ||
              ((text[i] == '-' || text[i] == '+') && (text[i - 1] == 'e' || text[i - 1] == 'E')))) {
        writer.Put(text[i++]);
      }
      after_colon = false;
    } else {
      if (c == '{' || c == '<' || c == '[') open.push_back(c);
      if ((c == '}' || c == '>' || c == ']') && !open.empty()) open.pop_back();
      after_colon = (c == ':');
      writer.Put(text[i++]);
    }
  }
  return out;
}

}  // namespace convoy::repository
