#!/usr/bin/env bash
# One-time (and every-time) set-up: Debian packages, npm packages, generated assets.
# Idempotent; takes well under 2 s when everything is already present.
set -euo pipefail
cd "$(dirname "$0")/.."

PACKAGES=(
  kamailio kamailio-extra-modules kamailio-json-modules kamailio-websocket-modules
  kamailio-postgres-modules kamailio-utils-modules kamailio-tls-modules
  rtpengine sip-tester baresip-core ffmpeg redis-server espeak-ng sox chromium fonts-wqy-microhei openssl tshark
  postgresql-15 keepalived iputils-ping iproute2
  postgresql-15-auto-failover
  janus
)
did=()

# --- Debian packages -------------------------------------------------------------
missing_packages() {
  missing=()
  for p in "${PACKAGES[@]}"; do
    # Like `dpkg -s`, but a removed-but-configured package counts as missing.
    if ! dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed"; then
      missing+=("$p")
    fi
  done
}
missing_packages
if ((${#missing[@]})); then
  if [[ $(id -u) -ne 0 ]]; then
    echo "setup: missing Debian packages: ${missing[*]}; run this as root (or: sudo apt-get install ${missing[*]})" >&2
    exit 1
  fi
  echo "setup: installing ${missing[*]} ..."
  apt-get update -qq
  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends "${PACKAGES[@]}" >/dev/null
  n=${#missing[@]}
  missing_packages
  if ((${#missing[@]})); then
    echo "setup: still missing after apt-get install: ${missing[*]}" >&2
    exit 1
  fi
  did+=("installed $n Debian package(s)")
fi
if [[ ! -x /usr/lib/postgresql/15/bin/postgres ]]; then
  echo "setup: /usr/lib/postgresql/15/bin/postgres not found after installing postgresql-15" >&2
  exit 1
fi

# --- npm packages ----------------------------------------------------------------
if [[ ! -d node_modules || ! -f node_modules/.package-lock.json || package-lock.json -nt node_modules/.package-lock.json ]]; then
  # --prefer-offline: packages already in npm's cache (~/.npm) are not re-validated against the registry
  npm ci --prefer-offline --no-audit --no-fund --loglevel=error
  did+=("ran npm ci")
fi

# --- Later set-up steps: HOOK ----------------------------------------------------
# Every scripts/setup.d/*.sh runs here, in name order (e.g. 20-prompts.sh for the
# announcement prompts, 30-tls.sh for the TLS certificates). Each must be idempotent,
# quick when its output already exists, and print one line only when it did something.
for step in scripts/setup.d/*.sh; do
  [[ -e "$step" ]] || continue
  out=$(bash "$step")
  [[ -n "$out" ]] && did+=("$out")
done

if ((${#did[@]})); then
  (IFS=';'; echo "setup: ${did[*]}")
else
  echo "setup: everything present"
fi
