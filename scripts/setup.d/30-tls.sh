#!/usr/bin/env bash
# TLS material for the consoles' HTTPS and Kamailio's WSS: a self-signed CA and a server
# certificate it signs, in .run/tls/ (or $CTI_TLS_DIR):
#   ca.crt ca.key        the set-up's own CA (trust ca.crt once in each dispatcher's browser)
#   server.crt server.key the certificate the control plane and Kamailio present
# Names in the certificate: localhost, 127.0.0.1, this host's name, and $CTI_TLS_NAMES
# (comma-separated host names or IP addresses, e.g. "cti.120.example.cn,10.1.2.3").
# Idempotent: nothing happens when server.crt and server.key exist. A centre's own certificate
# replaces them: put its chain in server.crt and its key in server.key (ca.crt is then optional).
set -euo pipefail
cd "$(dirname "$0")/../.."

dir=${CTI_TLS_DIR:-.run/tls}
[[ -s "$dir/server.crt" && -s "$dir/server.key" ]] && exit 0

mkdir -p "$dir"
chmod 700 "$dir"
# two set-ups at once (parallel clones' tests): one generates, the other finds the files
exec 9>"$dir/.lock"
flock 9
[[ -s "$dir/server.crt" && -s "$dir/server.key" ]] && exit 0
umask 077
tmp=$(mktemp -d "$dir/.gen.XXXXXX")
trap 'rm -rf "$tmp"' EXIT

san="DNS:localhost,IP:127.0.0.1,IP:::1"
host=$(hostname 2>/dev/null || true)
[[ -n "$host" && "$host" != localhost ]] && san+=",DNS:$host"
IFS=',' read -ra extra <<< "${CTI_TLS_NAMES:-}"
for n in "${extra[@]}"; do
  n=${n// /}
  [[ -z "$n" ]] && continue
  if [[ "$n" =~ ^[0-9.]+$ || "$n" == *:* ]]; then san+=",IP:$n"; else san+=",DNS:$n"; fi
done

if [[ -s "$dir/ca.crt" && -s "$dir/ca.key" ]]; then
  cp "$dir/ca.crt" "$dir/ca.key" "$tmp/"
else
  openssl req -x509 -new -newkey rsa:2048 -nodes -sha256 -days 3650 \
    -subj "/O=cti120/CN=cti120 set-up CA ${host:-local}" \
    -addext "basicConstraints=critical,CA:TRUE" -addext "keyUsage=critical,keyCertSign,cRLSign" \
    -keyout "$tmp/ca.key" -out "$tmp/ca.crt" 2>/dev/null
fi
openssl req -new -newkey rsa:2048 -nodes -sha256 -subj "/O=cti120/CN=${host:-localhost}" \
  -keyout "$tmp/server.key" -out "$tmp/server.csr" 2>/dev/null
cat > "$tmp/ext.cnf" <<EOF
basicConstraints=critical,CA:FALSE
keyUsage=critical,digitalSignature,keyEncipherment
extendedKeyUsage=serverAuth
subjectAltName=$san
EOF
# 825 days: the longest validity Apple's and Chrome's rules accept for a server certificate.
openssl x509 -req -in "$tmp/server.csr" -CA "$tmp/ca.crt" -CAkey "$tmp/ca.key" -CAcreateserial \
  -days 825 -sha256 -extfile "$tmp/ext.cnf" -out "$tmp/server.crt" 2>/dev/null
openssl verify -CAfile "$tmp/ca.crt" "$tmp/server.crt" >/dev/null

chmod 644 "$tmp/ca.crt" "$tmp/server.crt"
chmod 600 "$tmp/ca.key" "$tmp/server.key"
mv -f "$tmp/ca.crt" "$tmp/ca.key" "$tmp/server.key" "$dir/"
mv -f "$tmp/server.crt" "$dir/"
echo "generated TLS certificate $dir/server.crt (CA $dir/ca.crt; names $san)"
