#!/usr/bin/env bash
# Builds Sotay's Linux package with the Tauri bundler: the window (sotay-desktop), the sotay program
# beside it (the print centre runs it), the desktop entry "Sổ tay Đoàn" and its icon.
#   scripts/package.sh          release build → target/release/bundle/deb/Sotay_<version>_amd64.deb
#   scripts/package.sh --debug  packs the debug programs the test build already made (`tauri bundle`,
#                               nothing compiled) → target/debug/bundle/deb/…; the package test installs it
# The bundle settings live in src-tauri/tauri.package.conf.json, merged only here: a plain `cargo build`
# of a fresh checkout never needs the external binary to exist. Windows: see docs/install.md.
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/setup.sh run
[[ -f "$HOME/.cargo/env" ]] && source "$HOME/.cargo/env"
export PATH="$HOME/.cargo/bin:$PATH"

profile=release
[[ "${1:-}" == "--debug" ]] && profile=debug

# The Tauri CLI: npm's prebuilt binary, pinned in tools/package-lock.json (nothing to compile).
command -v npm >/dev/null || { SUDO=""; [[ $(id -u) -ne 0 ]] && SUDO="sudo"; $SUDO apt-get install -y -qq npm >/dev/null; }
[[ -x tools/node_modules/.bin/tauri ]] || npm ci --prefix tools --no-audit --no-fund

triple="$(rustc -vV | sed -n 's/^host: //p')"
tauri=(../tools/node_modules/.bin/tauri)
if [[ "$profile" == release ]]; then
  cargo build --release -p sotay-cli
else
  # The programs as scripts/test.sh built them (the same features: nothing is compiled twice).
  cargo build --workspace --features "$(scripts/features.sh)"
fi
# The external binary, named as Tauri expects: <name>-<target triple>.
mkdir -p src-tauri/binaries
cp "target/$profile/sotay" "src-tauri/binaries/sotay-$triple"

cd src-tauri
if [[ "$profile" == release ]]; then
  # Tauri's production build of the window (custom-protocol), then the package.
  "${tauri[@]}" build --ci --bundles deb --config tauri.package.conf.json
else
  "${tauri[@]}" bundle --ci --debug --bundles deb --config tauri.package.conf.json
fi
cd ..
ls -1 "target/$profile/bundle/deb/"*.deb
