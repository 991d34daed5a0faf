#!/usr/bin/env bash
# Regenerates test/fixtures/: small DICOM files in the encodings the parser must read, the Azure
# tutorial samples, and test/fixtures/expected/*.json, pydicom's reading of each file, which the
# parser tests compare against (so the tests need neither Python nor DCMTK). Run from anywhere;
# needs root (or the packages already installed). The output is committed.
set -euo pipefail
cd "$(dirname "$0")/.."

PYTHON=${PYTHON:-/usr/bin/python3}
if ! command -v dcmconv >/dev/null || ! "$PYTHON" -c 'import pydicom' 2>/dev/null; then
  apt-get update && apt-get install -y dcmtk python3-pydicom
fi

OUT=test/fixtures
TUTORIAL_SRC=${TUTORIAL_SRC:-/work/shared/dicom}
rm -rf "$OUT/expected" "$OUT"/*.dcm
mkdir -p "$OUT/tutorial"

"$PYTHON" scripts/make_fixtures.py build "$OUT"

# The same rich dataset in the other uncompressed encodings (DCMTK writes its own group lengths
# and sequence lengths, so these also differ from the source in structure, not only byte order).
dcmconv +ti "$OUT/rich-explicit-le.dcm" "$OUT/rich-implicit-le.dcm"
dcmconv +tb "$OUT/rich-explicit-le.dcm" "$OUT/rich-explicit-be.dcm"
dcmconv +td "$OUT/rich-explicit-le.dcm" "$OUT/rich-deflated.dcm"

# Multi-frame encapsulated variants: Basic Offset Table with one and several fragments per frame,
# no offset table with one fragment per frame (RLE), and none with several (the JPEG marker case).
MF="$OUT/multiframe-native.dcm"
dcmcjpeg +eb +un "$MF" "$OUT/multiframe-jpeg-bot.dcm"
dcmcjpeg +eb +un +fs 1 "$MF" "$OUT/multiframe-jpeg-bot-fragmented.dcm"
dcmcjpeg +eb +un +fs 1 -ot "$MF" "$OUT/multiframe-jpeg-nobot-fragmented.dcm"
dcmcrle "$MF" "$OUT/multiframe-rle-bot.dcm"
dcmcrle -ot "$MF" "$OUT/multiframe-rle-nobot.dcm"

# A real single-frame JPEG baseline image: the blue circle tutorial sample, compressed.
dcmcjpeg +eb +un "$TUTORIAL_SRC/blue-circle.dcm" "$OUT/jpeg-baseline.dcm"

# The Azure tutorial samples as they are (the integration tests upload them).
for f in blue-circle green-square red-triangle; do
  cp "$TUTORIAL_SRC/$f.dcm" "$OUT/tutorial/$f.dcm"
done

"$PYTHON" scripts/make_fixtures.py expect "$OUT"
du -ab "$OUT" | sort -n | tail -25
