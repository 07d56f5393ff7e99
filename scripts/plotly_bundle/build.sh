#!/usr/bin/env bash
# Rebuilds static/plotly/plotly-creative.min.js from the pinned npm packages of this folder.
# Usage (from anywhere): bash scripts/plotly_bundle/build.sh
# Needs node and npm and the npm registry; CI never runs it (the built file is committed).
# The install happens in a temporary copy of this folder, so no node_modules is left here.
set -euo pipefail

here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
repo="$(cd "$here/../.." && pwd)"
out_dir="$repo/static/plotly"
out="$out_dir/plotly-creative.min.js"

work="$(mktemp -d)"
trap 'rm -rf "$work"' EXIT
cp "$here/package.json" "$here/package-lock.json" "$here/index.js" "$here/build.mjs" "$work/"

cd "$work"
# --ignore-scripts: esbuild finds its binary in @esbuild/<platform> without its postinstall,
# and no other package needs an install script to be bundled.
npm ci --ignore-scripts --no-audit --no-fund
node build.mjs "$work/plotly-creative.min.js"

mkdir -p "$out_dir"
cp "$work/plotly-creative.min.js" "$out"
cp "$work/node_modules/plotly.js/LICENSE" "$out_dir/LICENSE-plotly.js.txt"

echo "wrote $out"
echo "bytes:  $(wc -c < "$out")"
echo "sha256: $(sha256sum "$out" | cut -d' ' -f1)"
echo "(update the size and sha256 in static/plotly/README.md)"
