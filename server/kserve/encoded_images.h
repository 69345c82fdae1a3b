// DecodeEncodedImages: the JPEG/PNG files of a BYTES input, as views into the
// wire request.
//
// A BYTES tensor holds one element per batch item, shape [N] or [N, 1]. In
// raw_input_contents each element is a 4-byte little-endian length followed
// by that many bytes (Triton's serialisation); in typed contents they are
// the entries of bytes_contents. The element count must equal N exactly,
// every length must fit in what is left, and nothing may follow the last
// element: each violation is InvalidArgument naming the input and element.
#ifndef CONVOY_SERVER_KSERVE_ENCODED_IMAGES_H_
#define CONVOY_SERVER_KSERVE_ENCODED_IMAGES_H_

#include <vector>

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "grpc_service.pb.h"

namespace convoy::server {

// `index` is the input's position in request.inputs. `max_batch_size` bounds
// N. The views live as long as `request`.
absl::StatusOr<std::vector<absl::string_view>> DecodeEncodedImages(const inference::ModelInferRequest& request,
                                                                   int index, int64_t max_batch_size);

}  // namespace convoy::server

#endif  // CONVOY_SERVER_KSERVE_ENCODED_IMAGES_H_
