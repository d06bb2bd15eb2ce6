#!/usr/bin/env bash
# Install omhcl from built binaries: make install runs it (PREFIX, DESTDIR),
# make deb runs it into the package's tree with PREFIX=/usr.
#
#   scripts/install.sh [BINDIR]          install om, omplan, omapply from BINDIR (default bin)
#   scripts/install.sh --uninstall       remove what it installs (the empty /etc/omhcl too)
#
# It lays out, under $DESTDIR:
#   $PREFIX/bin/{om,omplan,omapply}
#   $PREFIX/lib/systemd/system/omhcl.service   contrib/omhcl.service, ExecStart in $PREFIX/bin;
#                                              installed, never enabled nor started
#   $PREFIX/share/man/man1/*.1.gz              one page per command, from the cobra commands
#   $PREFIX/share/bash-completion/completions/{om,omplan,omapply}
#   $PREFIX/share/zsh/site-functions/_om ...   (vendor-completions for PREFIX=/usr)
#   /etc/omhcl                                 the service files' directory, empty
#
# Where: the Debian conventions. Below /usr/local, each is where the tool
# that reads it looks for an admin's own install: systemd reads units in
# /usr/local/lib/systemd/system, bash-completion completions in
# /usr/local/share/bash-completion/completions, Debian's zsh has
# /usr/local/share/zsh/site-functions in its fpath, and man reads
# /usr/local/share/man. With PREFIX=/usr (a package) they are the
# distribution's own places: /usr/lib/systemd/system (where /lib/systemd/system
# is, on merged /usr), /usr/share/bash-completion/completions and
# /usr/share/zsh/vendor-completions. The configuration stays in /etc/omhcl
# whatever the prefix: it is where the commands look by default.
# Each is a variable of its own: BINDIR, UNITDIR, MANDIR, BASHCOMPDIR,
# ZSHCOMPDIR, SYSCONFDIR.
#
# The man pages and completion scripts are written by the binaries
# themselves ("om __gendocs man DIR", "om __gendocs bash"), so they are the
# commands' help. GENBIN names binaries that run on this machine when
# BINDIR's are for another architecture (make release's arm64 package).
set -euo pipefail
cd "$(dirname "$0")/.."

CMDS=(om omplan omapply)
uninstall=false
if [ "${1:-}" = --uninstall ]; then
	uninstall=true
	shift
fi
SRC=${1:-bin}
GENBIN=${GENBIN:-$SRC}

PREFIX=${PREFIX:-/usr/local}
DESTDIR=${DESTDIR:-}
BINDIR=${BINDIR:-$PREFIX/bin}
SYSCONFDIR=${SYSCONFDIR:-/etc}
UNITDIR=${UNITDIR:-$PREFIX/lib/systemd/system}
MANDIR=${MANDIR:-$PREFIX/share/man}
BASHCOMPDIR=${BASHCOMPDIR:-$PREFIX/share/bash-completion/completions}
if [ "$PREFIX" = /usr ]; then
	ZSHCOMPDIR=${ZSHCOMPDIR:-/usr/share/zsh/vendor-completions}
else
	ZSHCOMPDIR=${ZSHCOMPDIR:-$PREFIX/share/zsh/site-functions}
fi
CONFDIR=$SYSCONFDIR/omhcl

# The man pages' names come from the commands: list them from a build.
man_pages() {
	local tmp
	tmp=$(mktemp -d)
	for c in "${CMDS[@]}"; do
		"$GENBIN/$c" __gendocs man "$tmp"
	done
	echo "$tmp"
}

if $uninstall; then
	if [ -x "$GENBIN/om" ]; then
		pages=$(man_pages)
		for f in "$pages"/*.1; do
			rm -f "$DESTDIR$MANDIR/man1/$(basename "$f").gz"
		done
		rm -rf "$pages"
	else # no build to list them: the pages of the three commands
		for c in "${CMDS[@]}"; do
			rm -f "$DESTDIR$MANDIR/man1/$c.1.gz" "$DESTDIR$MANDIR/man1/$c"-*.1.gz
		done
	fi
	for c in "${CMDS[@]}"; do
		rm -f "$DESTDIR$BINDIR/$c" "$DESTDIR$BASHCOMPDIR/$c" "$DESTDIR$ZSHCOMPDIR/_$c"
	done
	rm -f "$DESTDIR$UNITDIR/omhcl.service"
	rmdir "$DESTDIR$CONFDIR" 2>/dev/null || true # kept when it holds services
	echo "uninstalled omhcl from ${DESTDIR:-/} (prefix $PREFIX)"
	exit 0
fi

for c in "${CMDS[@]}"; do
	if [ ! -x "$SRC/$c" ] || [ ! -x "$GENBIN/$c" ]; then
		echo "install: $SRC/$c or $GENBIN/$c missing: make build first" >&2
		exit 1
	fi
done

install -d -m 0755 "$DESTDIR$BINDIR" "$DESTDIR$UNITDIR" "$DESTDIR$MANDIR/man1" \
	"$DESTDIR$BASHCOMPDIR" "$DESTDIR$ZSHCOMPDIR" "$DESTDIR$CONFDIR"
for c in "${CMDS[@]}"; do
	install -m 0755 "$SRC/$c" "$DESTDIR$BINDIR/$c"
	"$GENBIN/$c" __gendocs bash >"$DESTDIR$BASHCOMPDIR/$c"
	"$GENBIN/$c" __gendocs zsh >"$DESTDIR$ZSHCOMPDIR/_$c"
	chmod 0644 "$DESTDIR$BASHCOMPDIR/$c" "$DESTDIR$ZSHCOMPDIR/_$c"
done

# The unit runs the om installed here; its first comment says how to
# install it from the source tree, which an installed unit no longer needs.
sed -e "s|/usr/local/bin/om|$BINDIR/om|g" \
	-e 's|^# Install: .*|# Enable and start it: systemctl enable --now omhcl|' \
	contrib/omhcl.service >"$DESTDIR$UNITDIR/omhcl.service"
chmod 0644 "$DESTDIR$UNITDIR/omhcl.service"

# gzip -n: no name nor time in the header, so a rebuild is the same file
pages=$(man_pages)
for f in "$pages"/*.1; do
	gzip -9n <"$f" >"$DESTDIR$MANDIR/man1/$(basename "$f").gz"
	chmod 0644 "$DESTDIR$MANDIR/man1/$(basename "$f").gz"
done
n=$(find "$pages" -name '*.1' | wc -l)
rm -rf "$pages"

echo "installed omhcl $("$GENBIN/om" --version | cut -d' ' -f2) in ${DESTDIR:-/}: $BINDIR/{om,omplan,omapply}, $UNITDIR/omhcl.service (not enabled), $n man pages, bash and zsh completion, $CONFDIR"
