#!/usr/bin/env bash
# Vendor the precompiled GOV.UK Frontend dist into static/govuk-frontend/.
#
# Usage: scripts/vendor_govuk_frontend.sh [VERSION]   (default 6.6.0)
#
# Needs npm (only to download the package tarball from the registry) and tar.
# Node is not needed at runtime: the copied files are committed and served by
# Django's staticfiles / whitenoise.
#
# What is copied from the package's dist/govuk/:
#   govuk-frontend.min.css (+ .map)  - /assets/ URLs rewritten to relative assets/
#   govuk-frontend.min.js  (+ .map)  - ES module exporting initAll etc.
#   assets/                          - fonts, images, manifest.json
# The .map files are kept because both files end with a sourceMappingURL
# comment, and Django's ManifestStaticFilesStorage (used by whitenoise's
# CompressedManifestStaticFilesStorage) fails collectstatic if a referenced
# source map is missing.
#
# Idempotent: the target directory is deleted and recreated on every run.
set -euo pipefail

VERSION="${1:-6.6.0}"
REPO_ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
TARGET="${REPO_ROOT}/static/govuk-frontend"

command -v npm >/dev/null 2>&1 || { echo "error: npm is required" >&2; exit 1; }

WORKDIR="$(mktemp -d)"
trap 'rm -rf "${WORKDIR}"' EXIT

echo "Fetching govuk-frontend@${VERSION} ..."
(cd "${WORKDIR}" && npm pack --silent "govuk-frontend@${VERSION}" >/dev/null)
TARBALL="$(ls "${WORKDIR}"/govuk-frontend-*.tgz)"
tar -xzf "${TARBALL}" -C "${WORKDIR}"

DIST="${WORKDIR}/package/dist/govuk"
PKG_VERSION="$(sed -n 's/^ *"version": *"\([^"]*\)".*/\1/p' "${WORKDIR}/package/package.json" | head -n1)"
if [[ "${PKG_VERSION}" != "${VERSION}" ]]; then
  echo "error: expected version ${VERSION}, package says ${PKG_VERSION}" >&2
  exit 1
fi
for f in govuk-frontend.min.css govuk-frontend.min.js assets; do
  [[ -e "${DIST}/${f}" ]] || { echo "error: ${DIST}/${f} not found in package" >&2; exit 1; }
done

rm -rf "${TARGET}"
mkdir -p "${TARGET}"

cp "${DIST}/govuk-frontend.min.js" "${TARGET}/"
[[ -f "${DIST}/govuk-frontend.min.js.map" ]] && cp "${DIST}/govuk-frontend.min.js.map" "${TARGET}/"
[[ -f "${DIST}/govuk-frontend.min.css.map" ]] && cp "${DIST}/govuk-frontend.min.css.map" "${TARGET}/"
cp -R "${DIST}/assets" "${TARGET}/assets"

# The precompiled CSS references url(/assets/...). Make those relative so they
# resolve next to the CSS file (STATIC_URL/govuk-frontend/assets/...), and so
# ManifestStaticFilesStorage can rewrite them to hashed names.
sed -E \
  -e 's#url\((["'"'"']?)/assets/#url(\1assets/#g' \
  "${DIST}/govuk-frontend.min.css" > "${TARGET}/govuk-frontend.min.css"

if grep -q 'url(["'"'"']\{0,1\}/assets/' "${TARGET}/govuk-frontend.min.css"; then
  echo "error: absolute /assets/ URLs remain in the CSS" >&2
  exit 1
fi

printf '%s\n' "${VERSION}" > "${TARGET}/VERSION"

echo "Vendored govuk-frontend ${VERSION} into ${TARGET#"${REPO_ROOT}"/}:"
(cd "${TARGET}" && find . -type f | sort | sed 's#^\./#  #')
