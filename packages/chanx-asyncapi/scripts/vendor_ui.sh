#!/usr/bin/env bash
# Refresh the AsyncAPI UI files shipped in the chanx-asyncapi wheel.
#
# The docs page (AsyncAPIDocsView) must work offline and under a strict Content-Security-Policy,
# so the standalone bundle of @asyncapi/react-component is served from our own static files
# rather than a CDN. This script fetches the pinned release with `npm pack` (the registry's own
# client, no install, no lifecycle scripts) and copies the few files the page loads, keeping the
# package's layout so CHANX_ASYNCAPI_UI_URL can point at the same paths on a CDN instead.
#
#   bash packages/chanx-asyncapi/scripts/vendor_ui.sh           # the pinned version
#   VERSION=3.2.2 bash packages/chanx-asyncapi/scripts/vendor_ui.sh
#
# After a version change, update UI_VERSION in src/chanx/asyncapi/views.py.
set -euo pipefail

VERSION="${VERSION:-3.2.1}"
PACKAGE="@asyncapi/react-component"
here="$(cd "$(dirname "$0")" && pwd)"
target="$here/../src/chanx/asyncapi/static/chanx_asyncapi/react-component"

work="$(mktemp -d)"
trap 'rm -rf "$work"' EXIT

(cd "$work" && npm pack --silent "$PACKAGE@$VERSION" >/dev/null)
tar -xzf "$work"/asyncapi-react-component-"$VERSION".tgz -C "$work"

rm -rf "$target"
mkdir -p "$target/browser/standalone" "$target/styles"
cp "$work/package/browser/standalone/index.js" "$target/browser/standalone/index.js"
cp "$work/package/browser/standalone/index.js.LICENSE.txt" \
    "$target/browser/standalone/index.js.LICENSE.txt"
cp "$work/package/styles/default.min.css" "$target/styles/default.min.css"
cp "$work/package/LICENSE" "$target/LICENSE"
printf '%s@%s\n' "$PACKAGE" "$VERSION" > "$target/VERSION"

echo "vendored $PACKAGE@$VERSION into ${target#"$here/../"}"
