// NumPy .npy files to and from Tensors.
//
// This is how arrays get in and out of the engine outside the server: the
// convoy-infer CLI reads its inputs and writes its outputs with it, and the
// model zoo's reference inputs and outputs are .npy files written by NumPy.
//
// Reading accepts format versions 1.0, 2.0 and 3.0 and these element types:
//
//   descr   NumPy dtype   Tensor type
//   '<f4'   float32       kFloat32
//   '<f8'   float64       kFloat32  (narrowed; values beyond float range
//                                    become +-inf, precision is rounded)
//   '<i8'   int64         kInt64
//   '<i4'   int32         kInt64    (widened, exact)
//   '|u1'   uint8         kUint8
//
// Only little-endian, C-order (row-major) arrays are read. Everything else
// is an InvalidArgument error whose message starts with the source name and
// says what is wrong: Fortran order, big-endian or other unsupported dtypes
// (object arrays included), a malformed or truncated header, a shape whose
// size overflows, and data that is shorter or longer than the shape says.
// Nothing is allocated before the declared size has been checked against the
// bytes actually present, so a hostile header cannot trigger a huge
// allocation.
//
// Writing produces exactly the bytes numpy.save would for the same array
// (format 1.0, or 2.0 if the header needs it): '<f4', '<i8' or '|u1'.
//
//   absl::StatusOr<convoy::engine::Tensor> image = convoy::engine::ReadNpy("input.npy");
//   if (!image.ok()) return image.status();  // "input.npy: truncated data: ..."
//
// Thread-safety: stateless functions; safe to call concurrently.
#ifndef CONVOY_ENGINE_API_NPY_H_
#define CONVOY_ENGINE_API_NPY_H_

#include <string>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "engine/api/tensor.h"

namespace convoy::engine {

// Reads a whole .npy file. Errors: NotFound if the file does not exist, other
// I/O failures as their errno maps to a Status code, InvalidArgument for the
// content as described above. Every message names `path`.
absl::StatusOr<Tensor> ReadNpy(const std::string& path);

// As ReadNpy, from the bytes of a file; `source` names it in error messages.
absl::StatusOr<Tensor> ParseNpy(absl::string_view bytes, absl::string_view source);

// Writes `tensor` to `path`, replacing any existing file. Errors: the errno of
// the failed open or write, mapped to a Status code, with `path` in the message.
absl::Status WriteNpy(const std::string& path, const Tensor& tensor);

// The complete .npy file for `tensor`, header and data.
std::string SerializeNpy(const Tensor& tensor);

}  // namespace convoy::engine

#endif  // CONVOY_ENGINE_API_NPY_H_
