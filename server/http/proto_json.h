// JSON for the REST answers and bodies that are not inference: any protobuf
// message printed by reflection (server and model metadata, model config,
// statistics, repository index), and the parameters of a repository load or
// unload body.
//
// ProtoToJson prints a message as Triton's HTTP endpoint prints the same
// message: field names as in the .proto (snake_case), 64-bit integers as
// JSON numbers (protobuf's own JSON printer writes them as strings; Triton
// turns its model config's back into numbers), enums by name (by number
// if the value has no name), bytes in base64, repeated fields as arrays,
// maps as objects (keys sorted, so answers are stable), nested messages as
// objects, a oneof as its set member. float and double are printed as
// protobuf prints them (the shortest of %.6g/%.9g, or %.15g/%.17g, that
// reads back exactly; NaN and +-Infinity as the strings "NaN", "Infinity",
// "-Infinity"), so 0.485f is 0.485. Fields are in .proto order.
//
//   ProtoJsonOptions options;
//   options.print_defaults = true;  // As Triton prints a model config.
//   std::string body = ProtoToJson(config_response.config(), options);
//
// Pure functions; thread-safe.
#ifndef CONVOY_SERVER_HTTP_PROTO_JSON_H_
#define CONVOY_SERVER_HTTP_PROTO_JSON_H_

#include <map>
#include <string>
#include <string_view>

#include <google/protobuf/message.h>

#include "absl/status/statusor.h"
#include "grpc_service.pb.h"

namespace convoy::server {

struct ProtoJsonOptions {
  // Also print fields that hold their default value: scalars without
  // presence (0, "", false, an enum's first value) and empty repeated fields
  // and maps; unset message fields and oneof members are still left out.
  // This is protobuf's always_print_primitive_fields, with which Triton
  // prints a model config (so a client sees max_batch_size: 0). Off by
  // default, as for metadata and statistics.
  bool print_defaults = false;
};

std::string ProtoToJson(const google::protobuf::Message& message, const ProtoJsonOptions& options = {});

// The value of one field of `message` as JSON (an array for a repeated
// field), for answers whose top level is not an object: Triton answers the
// repository index with the array of RepositoryIndexResponse's `models`.
// NOT_FOUND if `message` has no field of that name.
absl::StatusOr<std::string> ProtoFieldToJson(const google::protobuf::Message& message, std::string_view field_name,
                                             const ProtoJsonOptions& options = {});

// The parameters of a repository load or unload body, as Triton reads them:
//
//   {"parameters": {"config": "{...}", "unload_dependents": true,
//                   "file:1/model.onnx": "<base64>"}}
//
// An empty body (or one without "parameters") has none. Values are bool,
// integer or string parameters; a "file:" parameter carries a file's
// content in base64 and becomes its bytes. Anything else, and malformed
// JSON, is INVALID_ARGUMENT naming the parameter.
absl::StatusOr<std::map<std::string, inference::ModelRepositoryParameter>> ParseRestParameters(
    std::string_view json_body);

}  // namespace convoy::server

#endif  // CONVOY_SERVER_HTTP_PROTO_JSON_H_
