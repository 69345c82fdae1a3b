// The protocol a tool speaks to the server, from its --protocol and
// --http-data flags (convoy-loadgen, convoy-classify):
//
//   --protocol grpc        KServe v2 over gRPC (default server 127.0.0.1:8001)
//   --protocol http        KServe v2 REST over HTTP/1.1 (127.0.0.1:8000)
//   --http-data binary     with http: tensors in Triton's binary extension,
//                          as perf_analyzer sends them (the default)
//   --http-data json       with http: tensors as JSON numbers; BYTES inputs
//                          (images) still go binary, JSON strings cannot
//                          carry them (client/kserve_http_request.h)
//   --streaming            with grpc: inferences on one ModelStreamInfer
//                          stream per server (convoy-loadgen)
//
// The flags themselves stay in each tool's main.cc, so that --help lists
// them; this turns their values into a KServeClient.
#ifndef CONVOY_TOOLS_COMMON_CLIENT_PROTOCOL_H_
#define CONVOY_TOOLS_COMMON_CLIENT_PROTOCOL_H_

#include <memory>
#include <string>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "client/kserve_client.h"

namespace convoy {

struct ClientProtocol {
  std::string protocol = "grpc";     // "grpc" or "http"
  std::string http_data = "binary";  // With "http": "binary" or "json".
  bool streaming = false;            // With "grpc": ModelStreamInfer instead of ModelInfer.
};

// InvalidArgument naming the flag whose value is none of the above.
absl::Status CheckClientProtocol(const ClientProtocol& protocol);

// The server a tool asks when --server is not given: the protocol's
// conventional port on this machine.
std::string DefaultServer(const ClientProtocol& protocol);

// How results name it: "grpc", "grpc-stream", "http-binary" or "http-json".
std::string ProtocolLabel(const ClientProtocol& protocol);

// The client of that protocol. `max_in_flight` is the most requests the
// tool keeps in flight at once; the HTTP client opens that many connections
// if it needs them (at least its default). REQUIRES: CheckClientProtocol ok.
absl::StatusOr<std::unique_ptr<client::KServeClient>> CreateKServeClient(const ClientProtocol& protocol,
                                                                         client::ClientOptions options,
                                                                         int max_in_flight);

}  // namespace convoy

#endif  // CONVOY_TOOLS_COMMON_CLIENT_PROTOCOL_H_
