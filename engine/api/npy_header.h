// NpyHeader: the dictionary at the start of a NumPy .npy file.
//
// NumPy stores an array's dtype, memory order and shape as the repr() of a
// Python dict, for example
//
//   {'descr': '<f4', 'fortran_order': False, 'shape': (8, 3, 224, 224), }
//
// padded with spaces and a newline. This file reads and writes that literal
// without a Python interpreter. It is the part of the .npy format that is text;
// npy.h deals with the magic string, the version and the array bytes, and is
// what callers should use; this header is npy.cc's, and its tests'.
//
// The parser accepts the Python literal subset NumPy can produce: string keys,
// and values that are strings, True/False, None, integers and (nested) tuples
// or lists. Integers may carry the `L` suffix Python 2 wrote, as NumPy's own
// reader allows. Like NumPy, it requires exactly the keys 'descr',
// 'fortran_order' and 'shape'.
//
// Thread-safety: stateless functions; safe to call concurrently.
#ifndef CONVOY_ENGINE_API_NPY_HEADER_H_
#define CONVOY_ENGINE_API_NPY_HEADER_H_

#include <string>

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "engine/api/tensor.h"

namespace convoy::engine {

struct NpyHeader {
  // The dtype string, e.g. "<f4". A structured dtype (a list of fields) is a
  // parse error, since nothing in the engine can hold one.
  std::string descr;
  bool fortran_order = false;
  // Every dimension is >= 0; empty for a 0-d array.
  Shape shape;
};

// Parses the header text (after the length field, padding included).
// Errors: InvalidArgument with the reason and the offending offset; the caller
// adds the file name.
absl::StatusOr<NpyHeader> ParseNpyHeader(absl::string_view text);

// The dict literal exactly as numpy.save (1.24) writes it, without the
// alignment padding and newline, which depend on the format version.
// Example: "{'descr': '<f4', 'fortran_order': False, 'shape': (5,), }"
// followed by the spaces NumPy reserves for growing the first dimension.
std::string FormatNpyHeader(const NpyHeader& header);

}  // namespace convoy::engine

#endif  // CONVOY_ENGINE_API_NPY_HEADER_H_
