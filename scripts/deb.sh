#!/usr/bin/env bash
# Build the Debian package of omhcl from built binaries: make deb (this
# machine's architecture) and make release (amd64 and arm64) run it through
# scripts/release.sh, which builds them static and stripped.
#
#   scripts/deb.sh ARCH BINDIR OUTDIR     writes OUTDIR/omhcl_VERSION_ARCH.deb, prints its path
#
# VERSION is make build's (git describe): v1.2.3-4-gabc1234 becomes the
# Debian version 1.2.3+4.gabc1234; a tree with no tag yet gives
# 0.0.0~gitYYYYMMDDhhmmss.abc1234 (the commit's time, so later commits sort
# later, and below any tagged release; without git, make build's DATE).
# GENBIN: binaries that run here, to write the man pages and completion when
# BINDIR's are for another architecture.
#
# Why dpkg-deb: it is on every Debian machine (it is dpkg's), it is what
# debhelper itself calls in the end, and a package of three static binaries
# and a few text files needs nothing it does not do. nfpm would bring a
# Go dependency tree for the same control file and tar; debhelper would
# bring a debian/ directory and a build-dependency chain. The package holds
# no maintainer script: nothing is enabled or started on install, as an
# operator enables the unit when the node is configured
# ("systemctl enable --now omhcl", which loads the new unit itself), and a
# package without scripts installs the same into a throwaway root
# (dpkg --root), which the test does.
set -euo pipefail
cd "$(dirname "$0")/.."

if [ $# -ne 3 ]; then
	echo "usage: $0 ARCH BINDIR OUTDIR" >&2
	exit 2
fi
ARCH=$1 SRC=$2 OUT=$3
VERSION=${VERSION:-$(git describe --tags --always --dirty 2>/dev/null || echo devel)}
MAINTAINER=${DEB_MAINTAINER:-omhcl developers <omhcl@users.noreply.github.com>}

debversion() {
	local v=${VERSION#v}
	if [[ $v =~ ^[0-9]+\.[0-9] ]]; then # a tag; a bare hash may start with a digit
		# 1.2.3-4-gabc1234-dirty: upstream versions take no '-' without a
		# Debian revision
		local base=${v%%-*}
		local rest=${v#"$base"}
		rest=${rest#-}
		echo "$base${rest:+"+${rest//-/.}"}"
		return
	fi
	local when
	when=$(TZ=UTC git log -1 --format=%cd --date=format-local:%Y%m%d%H%M%S 2>/dev/null) ||
		when=$(tr -d -- '-:TZ' <<<"${DATE:-$(date -u +%Y%m%d%H%M%S)}") # no git: the build's date
	echo "0.0.0~git$when.${v//-/.}"
}
DEBVERSION=$(debversion)

stage=$(mktemp -d)
trap 'rm -rf "$stage"' EXIT
PREFIX=/usr DESTDIR="$stage/root" GENBIN="${GENBIN:-$SRC}" ./scripts/install.sh "$SRC" >/dev/null
install -d -m 0755 "$stage/root/DEBIAN" "$stage/root/usr/share/doc/omhcl"
install -m 0644 LICENSE "$stage/root/usr/share/doc/omhcl/copyright"
gzip -9n <CHANGELOG.md >"$stage/root/usr/share/doc/omhcl/changelog.gz"
chmod 0644 "$stage/root/usr/share/doc/omhcl/changelog.gz"

cat >"$stage/root/DEBIAN/control" <<EOF
Package: omhcl
Version: $DEBVERSION
Architecture: $ARCH
Maintainer: $MAINTAINER
Installed-Size: $(du -sk --exclude=DEBIAN "$stage/root" | cut -f1)
Section: admin
Priority: optional
Homepage: https://github.com/omhcl/omhcl
Recommends: mount, util-linux, e2fsprogs
Suggests: lvm2, btrfs-progs, rsync, docker.io | podman, lxc
Description: keep services up on a cluster of nodes, described in HCL
 omhcl runs services that must stay up (a service address, volume groups
 and logical volumes, filesystems, containers, an application) described
 in HCL files kept in git: omplan shows what would change, omapply
 converges a node, om operates services and runs the cluster daemon that
 moves a service to a surviving node.
 .
 The omhcl.service unit is installed but neither enabled nor started:
 put the services in /etc/omhcl, then systemctl enable --now omhcl.
EOF

mkdir -p "$OUT"
deb="$OUT/omhcl_${DEBVERSION}_$ARCH.deb"
dpkg-deb --root-owner-group --build "$stage/root" "$deb" >/dev/null
echo "$deb"
