#!/usr/bin/env bash
# `npm run package`: compiles the app and zips exactly what runs on Azure into
# dist-package/dicomweb-functions.zip, the file scripts/deploy.sh publishes (docs/deploy.md):
# dist/index.js, dist/functions, dist/shared, host.json, package.json, package-lock.json and the
# production node_modules, with the project's patches applied. Needs npm and zip.
set -euo pipefail

ROOT="$(cd "$(dirname "$0")/.." && pwd)"
OUT="$ROOT/dist-package"
ZIP="$OUT/dicomweb-functions.zip"
# A fresh compile rather than dist/: a file left there by a deleted source would be deployed and,
# under dist/functions, registered.
BUILD="$OUT/build"
STAGE="$OUT/stage"
# What the Node worker loads (package.json "main" and everything it imports).
APP_OUTPUTS=(index.js functions shared)

fail() {
  echo "package: $*" >&2
  exit 1
}

command -v zip >/dev/null || fail "the zip command is missing (Debian/Ubuntu: apt-get install zip)"

rm -rf "$OUT"
mkdir -p "$STAGE/dist"

echo "package: compiling"
(cd "$ROOT" && npx tsc -p tsconfig.json --outDir "$BUILD")
for output in "${APP_OUTPUTS[@]}"; do
  cp -R "$BUILD/$output" "$STAGE/dist/"
done
# Source maps point at TypeScript sources that are not shipped.
find "$STAGE/dist" -name '*.map' -delete
cp "$ROOT/host.json" "$ROOT/package.json" "$ROOT/package-lock.json" "$STAGE/"

echo "package: installing production dependencies"
if [ -d "$ROOT/patches" ]; then
  cp -R "$ROOT/patches" "$STAGE/"
fi
# --ignore-scripts: no dependency needs an install script; the project's own postinstall
# (patch-package) runs just below, with --error-on-fail so a patch that no longer applies stops here.
(cd "$STAGE" && npm ci --omit=dev --ignore-scripts --no-audit --no-fund)
if [ -d "$STAGE/patches" ]; then
  PATCH_PACKAGE="$ROOT/node_modules/.bin/patch-package"
  [ -x "$PATCH_PACKAGE" ] || fail "patches/ needs patch-package: run npm ci in the project first"
  (cd "$STAGE" && "$PATCH_PACKAGE" --error-on-fail)
  rm -rf "$STAGE/patches"
fi
# Command shims (symlinks) that nothing runs on Azure.
rm -rf "$STAGE/node_modules/.bin"

# Every module the app imports must resolve from the production dependencies alone. Outside the
# Functions worker, @azure/functions only warns that it runs in test mode.
if ! (cd "$STAGE" && node -e "require('./dist/index.js')" >"$OUT/load-check.log" 2>&1); then
  cat "$OUT/load-check.log" >&2
  fail "the packaged app does not load (above)"
fi
rm -f "$OUT/load-check.log"

(cd "$STAGE" && zip -q -r -X "$ZIP" .)
rm -rf "$BUILD" "$STAGE"
echo "package: $ZIP ($(du -h "$ZIP" | cut -f1))"
