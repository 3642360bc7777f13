#!/usr/bin/env bash
# hedgeops side by side with its peers, measured in one run on this machine:
# psrecord (from PyPI, into a venv), pidstat (Debian's sysstat) and GNU grep
# are installed if missing. Prints one Markdown table of figures, ratios and
# the targets (reported, never asserted). The README's Performance section is
# one run of it. QUICK=1 for a shorter run (smaller log, shorter windows).
set -euo pipefail
cd "$(dirname "$0")/.."
root=$PWD
SWIFT=${SWIFT:-swift}

missing=()
command -v pidstat >/dev/null 2>&1 || missing+=(sysstat)
grep --version 2>/dev/null | head -1 | grep -q "GNU grep" || missing+=(grep)
command -v python3 >/dev/null 2>&1 || missing+=(python3)
python3 -c 'import venv, ensurepip' >/dev/null 2>&1 || missing+=(python3-venv)
if [ ${#missing[@]} -gt 0 ]; then
    sudo=""; [ "$(id -u)" -ne 0 ] && sudo=sudo
    echo "installing: ${missing[*]}" >&2
    $sudo apt-get update -qq && $sudo env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "${missing[@]}" >&2
fi
venv=${BENCH_VENV:-$root/.build-bench/venv}
if [ ! -x "$venv/bin/psrecord" ]; then
    echo "installing psrecord 1.4 into $venv" >&2
    python3 -m venv "$venv" >&2
    "$venv/bin/pip" install -q psrecord==1.4 >&2
fi

# The monitor as it is measured: a release build with the Swift runtime
# linked in (the pages it hands back after start-up are then its own).
echo "building (release)…" >&2
$SWIFT build -c release --static-swift-stdlib --scratch-path .build-bench/static >&2
$SWIFT build -c release --package-path Benchmarks --product hedgeops-logscan >&2
bin=$($SWIFT build -c release --static-swift-stdlib --scratch-path .build-bench/static --show-bin-path)
tools=$($SWIFT build -c release --package-path Benchmarks --show-bin-path)

work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
quick=()
[ -n "${QUICK:-}" ] && quick=(--quick)
python3 Benchmarks/compare.py "$bin" "$tools" "$work" "$venv/bin/python3" "${quick[@]}"
