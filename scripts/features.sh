#!/usr/bin/env bash
# The cargo features every build of this checkout uses (scripts/run.sh, scripts/test.sh): one feature set,
# so that running one after the other builds nothing twice. The bad-link test needs root,
features="sotay-tests/window"
if [[ $(id -u) -eq 0 ]]; then
  # and installing the .deb (dpkg) does too
  features+=",sotay-tests/netns,sotay-tests/package"
fi
echo "$features"
