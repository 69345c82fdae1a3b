// The TLS flags shared by Convoy's clients (convoy-classify, convoy-loadgen,
// convoy-health), matching the server's --tls-cert/--tls-key/--tls-client-ca:
//
//   --tls                 TLS, verifying the server against the system's CAs
//   --tls-ca FILE         TLS, verifying the server against these CAs
//   --tls-cert/--tls-key  mutual TLS: this client's certificate and key
//   --tls-server-name N   the name the server's certificate must carry, when
//                         it is not the host of --server (an IP address, say)
#ifndef CONVOY_TOOLS_COMMON_CLIENT_TLS_FLAGS_H_
#define CONVOY_TOOLS_COMMON_CLIENT_TLS_FLAGS_H_

#include "absl/status/status.h"
#include "client/kserve_client.h"

namespace convoy {

// Sets options->tls from the flags (reading the files), or leaves it unset
// when no TLS flag is given. Errors name the flag and the file.
absl::Status ApplyClientTlsFlags(client::ClientOptions* options);

}  // namespace convoy

#endif  // CONVOY_TOOLS_COMMON_CLIENT_TLS_FLAGS_H_
