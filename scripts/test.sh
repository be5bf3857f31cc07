#!/usr/bin/env bash
# Runs every test: core unit and property tests, the `sotay` binary as a black box, the shell's commands
# on Tauri's mock runtime, and the real window under Xvfb (tauri-driver + WebKitWebDriver).
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/setup.sh test
[[ -f "$HOME/.cargo/env" ]] && source "$HOME/.cargo/env"
export PATH="$HOME/.cargo/bin:$PATH"
# Build everything first, with the test profile's features, so that the black-box and window tests find
# the `sotay` and `sotay-desktop` binaries (and nothing is compiled twice).
cargo test --workspace --features sotay-tests/window --no-run
xvfb-run -a --server-args="-screen 0 1366x768x24" \
  cargo test --workspace --features sotay-tests/window
