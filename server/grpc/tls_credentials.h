// The gRPC listener's credentials: plaintext, TLS (--tls-cert, --tls-key)
// or mutual TLS (plus --tls-client-ca: clients must present a certificate
// that CA signed). The files are checked here, at startup, so a wrong path,
// a malformed PEM or a key that is not the certificate's is a clear error
// rather than handshakes failing later.
#ifndef CONVOY_SERVER_GRPC_TLS_CREDENTIALS_H_
#define CONVOY_SERVER_GRPC_TLS_CREDENTIALS_H_

#include <memory>
#include <string>

#include <grpcpp/security/server_credentials.h>

#include "absl/status/statusor.h"

namespace convoy::server {

struct TlsFiles {
  std::string cert;       // PEM certificate chain; empty = plaintext
  std::string key;        // PEM private key of the certificate
  std::string client_ca;  // PEM CA bundle; not empty = mutual TLS
};

absl::StatusOr<std::shared_ptr<grpc::ServerCredentials>> ServerCredentialsFor(const TlsFiles& files);

}  // namespace convoy::server

#endif  // CONVOY_SERVER_GRPC_TLS_CREDENTIALS_H_
