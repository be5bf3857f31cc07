#!/usr/bin/env bash
# Builds and starts the Sotay window on the default database (the user's data folder).
# On first start the window offers to create your unit or to open the demo data.
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/setup.sh run
[[ -f "$HOME/.cargo/env" ]] && source "$HOME/.cargo/env"
# The window lays documents out with the `sotay` program beside it (target/debug/sotay): build both.
cargo build -p sotay-cli -p sotay-desktop
exec target/debug/sotay-desktop "$@"
