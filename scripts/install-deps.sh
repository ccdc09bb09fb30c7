#!/usr/bin/env bash
# Installs what BrandLedger needs to build, run and test, from Debian's archive.
# Idempotent: installs only what is missing, so a second run is quick and offline.
set -euo pipefail

packages=(
  g++ cmake make pkg-config
  libboost1.81-all-dev libboost-json1.81-dev   # Beast, Asio, JSON, MSM, program_options
  liblmdb-dev lmdb-utils                        # the event log's storage; mdb_stat/mdb_dump
  libspdlog-dev libfmt-dev                      # structured logs; fmt is used directly too
  libssl-dev                                    # SHA-256, TLS
  libsodium-dev                                 # Argon2id password hashes (crypto_pwhash)
  libxlsxwriter-dev                             # Excel exports (format=xlsx)
  libgoogle-perftools-dev                       # tcmalloc_minimal, the programs' allocator
  catch2                                        # tests
  python3                                       # tools/verify_export.py, run by the tests
  openssl curl                                  # the HTTPS tests: a certificate, s_client, curl
  clang libclang-rt-14-dev                      # the sanitizer build and its libFuzzer targets
  libnats-dev nats-server                       # the log replicated through NATS JetStream
  chromium fonts-noto-cjk                       # the console's browser tests; CJK glyphs
)

missing=()
for p in "${packages[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
# The console builds with Debian's nodejs and npm; a Node.js already installed (which may
# bring its own npm and conflict with Debian's) is used as it is.
command -v node >/dev/null || missing+=(nodejs)
command -v npm >/dev/null || missing+=(npm)
if ((${#missing[@]} == 0)); then
  exit 0
fi

sudo=""
if [[ $(id -u) -ne 0 ]]; then sudo="sudo"; fi
echo "installing: ${missing[*]}"
$sudo apt-get update -q
DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -q --no-install-recommends "${missing[@]}"
