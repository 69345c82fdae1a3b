#include "server/http/rest_error.h"

#include "absl/strings/str_cat.h"
#include "server/http/json_text.h"

namespace convoy::server {

int HttpStatusFor(absl::StatusCode code) {
  switch (code) {
    case absl::StatusCode::kOk: return 200;
    case absl::StatusCode::kInvalidArgument:
    case absl::StatusCode::kFailedPrecondition:
    case absl::StatusCode::kOutOfRange: return 400;
    case absl::StatusCode::kUnauthenticated: return 401;
    case absl::StatusCode::kPermissionDenied: return 403;
    case absl::StatusCode::kNotFound: return 404;
    case absl::StatusCode::kAlreadyExists:
    case absl::StatusCode::kAborted: return 409;
    case absl::StatusCode::kResourceExhausted: return 429;
    case absl::StatusCode::kCancelled: return 499;
    case absl::StatusCode::kUnimplemented: return 501;
    case absl::StatusCode::kUnavailable: return 503;
    case absl::StatusCode::kDeadlineExceeded: return 504;
    default: return 500;  // INTERNAL, UNKNOWN, DATA_LOSS, and codes absl may add.
  }
}

std::string RestError(std::string_view whole_message) {
  absl::string_view message(whole_message.data(), whole_message.size());
  std::string clipped;
  if (message.size() > kMaxRestErrorMessageBytes) {
    // Cut at the start of a UTF-8 sequence (at most 3 bytes back), so the
    // cut splits no character.
    size_t cut = kMaxRestErrorMessageBytes;
    while (cut > kMaxRestErrorMessageBytes - 3 && (static_cast<unsigned char>(message[cut]) & 0xc0) == 0x80) {
      --cut;
    }
    clipped = absl::StrCat(message.substr(0, cut), "...(", message.size() - cut, " more bytes)");
    message = clipped;
  }
  rapidjson::StringBuffer buffer;
  JsonWriter writer(buffer);
  writer.StartObject();
  writer.Key("error");
  WriteJsonString(writer, message);
  writer.EndObject();
  return std::string(buffer.GetString(), buffer.GetSize());
}

}  // namespace convoy::server
