// Command-line flags spelled with dashes (--model-repository), as Triton's
// and most tools' are, on top of absl::flags, which names them with
// underscores.
#ifndef CONVOY_COMMON_DASH_FLAGS_H_
#define CONVOY_COMMON_DASH_FLAGS_H_

#include <string>
#include <vector>

#include "absl/strings/string_view.h"

namespace convoy {

// Parses argv with absl::ParseCommandLine after rewriting the dashes of each
// flag's name (not its value) to underscores, so both spellings work.
// `--help` lists the flags defined in the file whose path ends with
// `main_file` (e.g. "server/main.cc"). Returns the positional arguments,
// argv[0] first.
std::vector<char*> ParseDashFlags(int argc, char** argv, absl::string_view main_file,
                                  absl::string_view usage);

// Every value given to flag `name` (spelt as defined, with underscores) on
// the command line, in order. absl::flags keeps only the last value of a
// flag given twice; a flag that may be repeated (Triton's
// --model-repository, --load-model) is read with this as well. Understands
// --name=V and --name V, with dashes or underscores and with one or two
// leading dashes, as absl::ParseCommandLine does; stops at "--". Call it
// before or after ParseDashFlags.
std::vector<std::string> RepeatedFlagValues(int argc, char** argv, absl::string_view name);

}  // namespace convoy

#endif  // CONVOY_COMMON_DASH_FLAGS_H_
