#!/usr/bin/env bash
# Installs what Sotay needs on Debian 12, skipping whatever is already there.
#   scripts/setup.sh run    — to build and start the window
#   scripts/setup.sh test   — also what the real-window tests need (WebKitWebDriver, Xvfb, tauri-driver)
#                             the bad-link test (iproute2 for network namespaces, nftables for loss)
#                             and the document tests (poppler-utils: pdffonts, pdftotext, pdftoppm;
#                             python3-openpyxl reads the .xlsx back)
#                             and the national hub's tests (postgresql-15: initdb, postgres, psql)
set -euo pipefail

want=(build-essential pkg-config curl libwebkit2gtk-4.1-dev librsvg2-dev libssl-dev)
if [[ "${1:-run}" == "test" ]]; then
  want+=(webkit2gtk-driver xvfb xauth iproute2 nftables poppler-utils python3 python3-openpyxl)
  # The national hub's tests start their own PostgreSQL server (initdb in a temporary folder).
  want+=(postgresql-15 postgresql-client-15)
  # The page's own unit tests run on node (node --test); Debian's nodejs when none is installed.
  command -v node >/dev/null || want+=(nodejs)
  # npm fetches the Tauri CLI that builds the .deb for the package test (scripts/package.sh).
  command -v npm >/dev/null || want+=(npm)
fi

missing=()
for p in "${want[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
if ((${#missing[@]})); then
  echo "setup: installing ${missing[*]}"
  SUDO=""; [[ $(id -u) -ne 0 ]] && SUDO="sudo"
  $SUDO apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq "${missing[@]}" >/dev/null
fi

if ! command -v cargo >/dev/null; then
  [[ -f "$HOME/.cargo/env" ]] && source "$HOME/.cargo/env"
fi
if ! command -v cargo >/dev/null; then
  echo "setup: installing the Rust toolchain (rustup)"
  curl --proto '=https' --tlsv1.2 -sSf https://sh.rustup.rs | sh -s -- -y --profile minimal
  source "$HOME/.cargo/env"
fi

if [[ "${1:-run}" == "test" ]] && ! command -v tauri-driver >/dev/null && [[ ! -x "$HOME/.cargo/bin/tauri-driver" ]]; then
  echo "setup: installing tauri-driver 2.1.0"
  cargo install tauri-driver --locked --version 2.1.0
fi
