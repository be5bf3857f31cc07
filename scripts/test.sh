#!/usr/bin/env bash
# Runs every test: core unit and property tests, the `sotay` binary as a black box, the shell's commands
# on Tauri's mock runtime, and the real window under Xvfb (tauri-driver + WebKitWebDriver).
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/setup.sh test
[[ -f "$HOME/.cargo/env" ]] && source "$HOME/.cargo/env"
export PATH="$HOME/.cargo/bin:$PATH"
# The bad-link test makes network namespaces, which needs root (as CI is); without root it is left out
# and this says so.
features="$(scripts/features.sh)"
if [[ $(id -u) -ne 0 ]]; then
  echo "test: not root — the network-namespace (bad link) and package (dpkg) tests are left out; run as root to include them" >&2
fi

# Tests own their folders: whatever reads the XDG folders (WebKit's storage, the CLI's default database)
# gets a scratch profile for this run, and the user's own Sotay folders must be the same afterwards.
user_sotay_files() {
  local base
  for base in "$HOME/.local/share" "$HOME/.config" "$HOME/.cache"; do
    [[ -d "$base" ]] || continue
    find "$base" -mindepth 1 -maxdepth 1 -iname '*sotay*' -exec find {} -printf '%p %s %T@\n' \;
  done | sort
}
before="$(user_sotay_files)"
scratch="$(mktemp -d)"
trap 'rm -rf "$scratch"' EXIT
export XDG_DATA_HOME="$scratch/data" XDG_CONFIG_HOME="$scratch/config" XDG_CACHE_HOME="$scratch/cache"
mkdir -p "$XDG_DATA_HOME" "$XDG_CONFIG_HOME" "$XDG_CACHE_HOME"

# First the programs as scripts/run.sh builds them (so that running it after this builds nothing: a test
# build turns on the test-only features of a few shared crates, and cargo keeps both builds side by side),
# then every test, so that the black-box and window tests find `sotay` and `sotay-desktop`.
cargo build --workspace --features "$features"
# As root, the programs just built are packed into a .deb (the package test installs it).
if [[ $(id -u) -eq 0 ]]; then
  scripts/package.sh --debug
fi
cargo test --workspace --features "$features" --no-run
status=0
# The page's own logic (dates, numbers, formatting) on node's built-in test runner.
node --test ui/tests/ || status=$?
xvfb-run -a --server-args="-screen 0 1366x768x24" \
  cargo test --workspace --features "$features" || status=$?

after="$(user_sotay_files)"
if [[ "$before" != "$after" ]]; then
  echo "test: FAILED — the tests changed the user's own Sotay folders:" >&2
  diff <(echo "$before") <(echo "$after") >&2 || true
  exit 1
fi
echo "test: the user's own Sotay folders are as they were before the run"
exit "$status"
