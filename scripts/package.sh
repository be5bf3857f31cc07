#!/usr/bin/env bash
# Builds Sotay's Linux package with the Tauri bundler: the window (sotay-desktop), the sotay program
# beside it (the print centre runs it), the desktop entry "Sổ tay Đoàn" and its icon.
#   scripts/package.sh          release build → target/release/bundle/deb/Sotay_<version>_amd64.deb
#   scripts/package.sh --debug  the debug build the tests use → target/debug/bundle/deb/… (the package
#                               test installs this one: it reuses what the test build compiled)
# The bundle settings live in src-tauri/tauri.package.conf.json, merged only here: a plain `cargo build`
# of a fresh checkout never needs the external binary to exist. Windows: see docs/install.md.
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/setup.sh run
[[ -f "$HOME/.cargo/env" ]] && source "$HOME/.cargo/env"
export PATH="$HOME/.cargo/bin:$PATH"

profile=release
cargo_flag=(--release)
tauri_flag=()
if [[ "${1:-}" == "--debug" ]]; then
  profile=debug
  cargo_flag=()
  tauri_flag=(--debug)
fi

# The Tauri CLI: npm's prebuilt binary, pinned in tools/package-lock.json (nothing to compile).
command -v npm >/dev/null || { SUDO=""; [[ $(id -u) -ne 0 ]] && SUDO="sudo"; $SUDO apt-get install -y -qq npm >/dev/null; }
[[ -x tools/node_modules/.bin/tauri ]] || npm ci --prefix tools --no-audit --no-fund

# The external binary, named as Tauri expects: <name>-<target triple>.
triple="$(rustc -vV | sed -n 's/^host: //p')"
cargo build -p sotay-cli "${cargo_flag[@]}"
mkdir -p src-tauri/binaries
cp "target/$profile/sotay" "src-tauri/binaries/sotay-$triple"

(cd src-tauri && ../tools/node_modules/.bin/tauri build --ci "${tauri_flag[@]}" --bundles deb --config tauri.package.conf.json)
ls -1 "target/$profile/bundle/deb/"*.deb
