#!/usr/bin/env bash
# Builds and starts the Sotay window on the default database (the user's data folder).
# On first start the window offers to create your unit or to open the demo data.
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/setup.sh run
[[ -f "$HOME/.cargo/env" ]] && source "$HOME/.cargo/env"
# The window lays documents out with the `sotay` program beside it (target/debug/sotay): build both, as
# scripts/test.sh builds them (the whole workspace, the same features), so that either script after the
# other finds them built.
cargo build --workspace --features "$(scripts/features.sh)"
exec target/debug/sotay-desktop "$@"
