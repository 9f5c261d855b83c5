#!/usr/bin/env bash
# Generates a throw-away PKI for the security tests, with openssl:
#   ca.pem                      the test CA
#   server.{pem,key}            signed by it: localhost, 127.0.0.1, ::1
#   client.{pem,key}            signed by it: CN=qalam-coordinator
#   other-client.{pem,key}      signed by it: CN=intruder
#   rogue-ca.pem, rogue-client.{pem,key}   a CA nobody trusts, and a client of it
#   make_certs.sh DIR
set -euo pipefail
D="$1"
mkdir -p "$D"
cd "$D"
EC=(-newkey ec -pkeyopt ec_paramgen_curve:prime256v1 -nodes)

ca() {  # ca NAME CN
  openssl req -x509 "${EC[@]}" -days 3 -subj "/CN=$2" -keyout "$1.key" -out "$1.pem" \
    -addext "basicConstraints=critical,CA:TRUE" -addext "keyUsage=critical,keyCertSign,cRLSign" \
    2>/dev/null
}
leaf() {  # leaf NAME CA CN EXTENSIONS
  openssl req -new "${EC[@]}" -subj "/CN=$3" -keyout "$1.key" -out "$1.csr" 2>/dev/null
  printf '%b' "$4" > "$1.ext"
  openssl x509 -req -in "$1.csr" -CA "$2.pem" -CAkey "$2.key" -CAcreateserial -days 3 \
    -extfile "$1.ext" -out "$1.pem" 2>/dev/null
  rm -f "$1.csr" "$1.ext"
}

ca ca "qalam test CA"
ca rogue-ca "rogue CA"
leaf server ca localhost \
  "basicConstraints=CA:FALSE\nextendedKeyUsage=serverAuth\nsubjectAltName=DNS:localhost,IP:127.0.0.1,IP:::1\n"
leaf client ca qalam-coordinator \
  "basicConstraints=CA:FALSE\nextendedKeyUsage=clientAuth\nsubjectAltName=DNS:qalam-coordinator\n"
leaf other-client ca intruder \
  "basicConstraints=CA:FALSE\nextendedKeyUsage=clientAuth\nsubjectAltName=DNS:intruder\n"
leaf rogue-client rogue-ca qalam-coordinator \
  "basicConstraints=CA:FALSE\nextendedKeyUsage=clientAuth\nsubjectAltName=DNS:qalam-coordinator\n"
printf 'first-token-0123456789abcdef\n# a comment\n\nsecond-token-fedcba9876543210\n' > tokens.txt
printf 'second-token-fedcba9876543210\n' > token.txt
printf 'wrong-token-0000000000000000\n' > wrong-token.txt
