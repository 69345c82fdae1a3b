#include "tools/common/client_protocol.h"

#include <algorithm>
#include <utility>

#include "absl/strings/str_cat.h"
#include "client/http_inference_client.h"
#include "client/inference_client.h"
#include "client/streaming_inference_client.h"

namespace convoy {

absl::Status CheckClientProtocol(const ClientProtocol& protocol) {
  if (protocol.protocol != "grpc" && protocol.protocol != "http") {
    return absl::InvalidArgumentError(absl::StrCat("--protocol must be grpc or http, not '", protocol.protocol, "'"));
  }
  if (absl::StatusOr<client::HttpDataForm> form = client::ParseHttpDataForm(protocol.http_data); !form.ok()) {
    return absl::InvalidArgumentError(
        absl::StrCat("--http-data must be binary or json, not '", protocol.http_data, "'"));
  }
  if (protocol.streaming && protocol.protocol != "grpc") {
    return absl::InvalidArgumentError("--streaming needs --protocol grpc: ModelStreamInfer is a gRPC method");
  }
  return absl::OkStatus();
}

std::string DefaultServer(const ClientProtocol& protocol) {
  return protocol.protocol == "http" ? "127.0.0.1:8000" : "127.0.0.1:8001";
}

std::string ProtocolLabel(const ClientProtocol& protocol) {
  if (protocol.protocol == "http") return absl::StrCat("http-", protocol.http_data);
  return protocol.streaming ? "grpc-stream" : protocol.protocol;
}

absl::StatusOr<std::unique_ptr<client::KServeClient>> CreateKServeClient(const ClientProtocol& protocol,
                                                                         client::ClientOptions options,
                                                                         int max_in_flight) {
  if (protocol.protocol != "http" && protocol.streaming) {
    absl::StatusOr<std::unique_ptr<client::StreamingInferenceClient>> streaming =
        client::StreamingInferenceClient::Create(std::move(options));
    if (!streaming.ok()) return streaming.status();
    return std::unique_ptr<client::KServeClient>(*std::move(streaming));
  }
  if (protocol.protocol != "http") {
    absl::StatusOr<std::unique_ptr<client::InferenceClient>> grpc = client::InferenceClient::Create(std::move(options));
    if (!grpc.ok()) return grpc.status();
    return std::unique_ptr<client::KServeClient>(*std::move(grpc));
  }
  client::HttpOptions http;
  absl::StatusOr<client::HttpDataForm> form = client::ParseHttpDataForm(protocol.http_data);
  if (!form.ok()) return form.status();
  http.data_form = *form;
  http.max_connections = std::max(http.max_connections, max_in_flight);
  absl::StatusOr<std::unique_ptr<client::HttpInferenceClient>> client =
      client::HttpInferenceClient::Create(std::move(options), http);
  if (!client.ok()) return client.status();
  return std::unique_ptr<client::KServeClient>(*std::move(client));
}

}  // namespace convoy
