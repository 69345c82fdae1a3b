#!/usr/bin/env bash
# Makes throwaway certificates for the TLS tests in DIR, with Debian's openssl:
#   ca.pem/.key            a CA
#   server.pem/.key        signed by it, for 127.0.0.1 and localhost
#   client.pem/.key        signed by it, for client authentication
#   other-ca.pem/.key      a second CA, and stranger.pem/.key signed by it,
#                          which a server trusting only ca.pem must refuse
# Usage: make_test_pki.sh DIR
set -euo pipefail
cd "${1:?usage: $0 DIR}"
key() { openssl genpkey -algorithm EC -pkeyopt ec_paramgen_curve:P-256 -out "$1.key"; }
ca() { key "$1"; openssl req -x509 -new -key "$1.key" -out "$1.pem" -days 2 -subj "/CN=$1"; }
# leaf NAME CA EXTENSIONS
leaf() {
  key "$1"
  openssl req -new -key "$1.key" -out "$1.csr" -subj "/CN=$1"
  printf '%s\n' "$3" >"$1.ext"
  openssl x509 -req -in "$1.csr" -CA "$2.pem" -CAkey "$2.key" -CAcreateserial -days 2 \
    -extfile "$1.ext" -out "$1.pem" 2>/dev/null
}
ca ca
ca other-ca
leaf server ca "subjectAltName=IP:127.0.0.1,DNS:localhost
extendedKeyUsage=serverAuth"
leaf client ca "extendedKeyUsage=clientAuth"
leaf stranger other-ca "extendedKeyUsage=clientAuth"
# The keys are the test's own; the server reads them as any user.
chmod a+r ./*.key
