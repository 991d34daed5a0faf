#!/usr/bin/env bash
# Regenerates test/fixtures/pixels/: small images for rendering and transcoding, in every
# compressed transfer syntax the server decodes. pydicom builds the native sources; DCMTK
# (dcmcjpeg, dcmcjpls, dcmcrle) and Pillow/OpenJPEG compress them; each lossless file is checked
# against DCMTK's own decode (dcmdjpeg, dcmdjpls, dcmdrle) or pydicom's, so the tests can take the
# native source's pixels as the reference. Needs root (or the packages installed). Output committed.
set -euo pipefail
cd "$(dirname "$0")/.."

PYTHON=${PYTHON:-/usr/bin/python3}
if ! command -v dcmcjpls >/dev/null || ! "$PYTHON" -c 'import pydicom, PIL, numpy' 2>/dev/null; then
  apt-get update && apt-get install -y dcmtk python3-pydicom python3-pil python3-numpy
fi

OUT=test/fixtures/pixels
TMP=$(mktemp -d)
trap 'rm -rf "$TMP"' EXIT
rm -rf "$OUT"
"$PYTHON" scripts/make_pixel_fixtures.py build "$OUT"

# name, encoder command, reference decoder (checked: decodes to the source's pixels).
lossless() {
  local source=$1 name=$2 decoder=$3
  shift 3
  "$@" "$OUT/$source.dcm" "$OUT/$name.dcm"
  "$decoder" "$OUT/$name.dcm" "$TMP/$name.dcm"
  "$PYTHON" scripts/make_pixel_fixtures.py same "$OUT/$source.dcm" "$TMP/$name.dcm"
}

lossless ct-signed ct-signed-jpeg-ls dcmdjpls dcmcjpls +el
lossless ct-signed ct-signed-rle dcmdrle dcmcrle
lossless ct-signed ct-signed-jpeg-lossless-sv1 dcmdjpeg dcmcjpeg +e1
lossless ct-12bit ct-12bit-jpeg-lossless dcmdjpeg dcmcjpeg +el
lossless ybr-full ybr-full-rle dcmdrle dcmcrle
# The parser fixtures' rich dataset (every VR, sequences, private elements) with RLE pixels.
dcmcrle test/fixtures/rich-explicit-le.dcm "$OUT/rich-rle.dcm"
dcmcjpls +en "$OUT/ct-12bit.dcm" "$OUT/ct-12bit-jpeg-ls-near.dcm"
dcmcjpeg +ee "$OUT/ct-12bit.dcm" "$OUT/ct-12bit-jpeg-extended.dcm"

# JPEG 2000: DCMTK has no encoder; Pillow (OpenJPEG) writes the code stream, pydicom decodes it back.
"$PYTHON" scripts/make_pixel_fixtures.py j2k "$OUT/ct-12bit.dcm" "$OUT/ct-12bit-j2k.dcm" lossless
"$PYTHON" scripts/make_pixel_fixtures.py same "$OUT/ct-12bit.dcm" "$OUT/ct-12bit-j2k.dcm"
"$PYTHON" scripts/make_pixel_fixtures.py j2k "$OUT/ct-12bit.dcm" "$OUT/ct-12bit-j2k-lossy.dcm" lossy

# The reference decodes of the lossy files, for the tests' tolerance checks.
dcmdjpls "$OUT/ct-12bit-jpeg-ls-near.dcm" "$OUT/ct-12bit-jpeg-ls-near.decoded.dcm"
dcmdjpeg "$OUT/ct-12bit-jpeg-extended.dcm" "$OUT/ct-12bit-jpeg-extended.decoded.dcm"
# JPEG baseline (lossy, 8 bits): DCMTK's decode of the parser fixtures' multi-frame JPEG file.
dcmdjpeg test/fixtures/multiframe-jpeg-bot.dcm "$OUT/multiframe-jpeg-bot.decoded.dcm"
du -ab "$OUT" | sort -n
