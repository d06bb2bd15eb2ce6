#!/usr/bin/env bash
# Build release artifacts into dist/: make release and make deb run it,
# after make build, whose binaries (for this machine) write the man pages
# and completion.
#
#   scripts/release.sh              linux/amd64 and linux/arm64: archives, packages, SHA256SUMS
#   scripts/release.sh --deb ARCH   the Debian package for ARCH only (make deb)
#
# For each architecture: static binaries (CGO_ENABLED=0, -trimpath, symbols
# stripped with -s -w) stamped as make build stamps them (LDFLAGS), in
# dist/omhcl_VERSION_linux_ARCH/ with LICENSE, README.md, CHANGELOG.md and
# the systemd unit; that directory as a .tar.gz; the Debian package
# (scripts/deb.sh). Then dist/SHA256SUMS of the archives and packages.
set -euo pipefail
cd "$(dirname "$0")/.."

: "${LDFLAGS:?run it through make, which sets LDFLAGS}" "${VERSION:?run it through make, which sets VERSION}"
GO=${GO:-go}
DIST=${DIST:-dist}
BIN=${BIN:-bin}

debonly=false
archs=(amd64 arm64)
if [ "${1:-}" = --deb ]; then
	debonly=true
	archs=("$2")
else
	rm -rf "$DIST"
fi
mkdir -p "$DIST"

for arch in "${archs[@]}"; do
	name=omhcl_${VERSION}_linux_$arch
	dir=$DIST/$name
	rm -rf "$dir"
	mkdir -p "$dir"
	CGO_ENABLED=0 GOOS=linux GOARCH=$arch "$GO" build -trimpath -ldflags "-s -w $LDFLAGS" -o "$dir/" ./cmd/om ./cmd/omplan ./cmd/omapply
	GENBIN=$BIN ./scripts/deb.sh "$arch" "$dir" "$DIST"
	if $debonly; then
		rm -rf "$dir"
		continue
	fi
	cp LICENSE README.md CHANGELOG.md contrib/omhcl.service "$dir/"
	tar -C "$DIST" --owner=0 --group=0 --numeric-owner -czf "$DIST/$name.tar.gz" "$name"
	rm -rf "$dir"
	echo "$DIST/$name.tar.gz"
done
$debonly && exit 0
(cd "$DIST" && sha256sum -- *.tar.gz *.deb >SHA256SUMS)
echo "$DIST/SHA256SUMS"
