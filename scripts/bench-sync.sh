#!/usr/bin/env bash
# make bench, part 4 (also alone): a sync of a 100 MiB filesystem (100
# files of 1 MiB of random data, ext4 on a loop device), full then with 1 %
# changed (100 KiB rewritten in place in 10 of the files), from node1 to
# node2 of a 2-node cluster lab (testfixtures/clusterlab), by `om bsync
# sync update` (sync.rsync through the data channel, `om node ssh`), beside
# plain rsync with the same options over a plain pipe, into an identical
# copy. BENCH_SYNC_RUNS (5) runs of each, every incremental run from the
# same state with the same change. Figures printed, never asserted.
# docs/bench.md has the method and figures.
#
# A row is a way to sync (row_rsync, row_plain; row_btrfs is the place for
# sync.btrfs): see "Rows" below.
set -euo pipefail
cd "$(dirname "$0")/.."
# shellcheck source=scripts/bench-lib.sh
. scripts/bench-lib.sh

BIN=$PWD/bin
RUNS=${BENCH_SYNC_RUNS:-5}
ROOT=/var/tmp/ombench-sync # the lab's directory: lab down removes it
PREFIX=ombsync             # its namespaces: ombsync-node1, ombsync-node2...
SVC=bsync                  # testfixtures/benchshell/sync/service.hcl
FILES=100                  # of FILE_KB KiB each
FILE_KB=1024
CHANGED=10  # files changed by an incremental run (every 10th) ...
CHANGE_KB=100 # ... each by CHANGE_KB KiB rewritten in place: 1 % in all

skip() {
	echo "== part 4 (incremental sync vs plain rsync) skipped: $*"
	exit 0
}
die() {
	echo "bench-sync: $*" >&2
	exit 1
}
[ "$(id -u)" = 0 ] || skip "it needs root for network namespaces, loop devices and mounts"
for c in rsync mkfs.ext4 losetup nsenter jq; do
	command -v "$c" >/dev/null || skip "no $c here"
done
[[ $RUNS =~ ^[1-9][0-9]*$ ]] || die "BENCH_SYNC_RUNS takes a positive integer, not \"$RUNS\""
for b in om omapply omplan demoweb; do
	[ -x "$BIN/$b" ] || die "$BIN/$b is missing: run make build (make bench does)"
done

# One run at a time: a leftover lab in ROOT is then ours to remove.
exec 9>"$ROOT.lock"
flock -n 9 || die "another bench-sync runs (it holds $ROOT.lock)"

WORK=$(mktemp -d /var/tmp/ombench-syncwork.XXXXXX)
OMLAB=$WORK/omlab
ROWS=() # set below (Rows)
cleanup() {
	set +e
	for row in "${ROWS[@]}"; do
		"${row}_down"
	done
	# the lab's down kills its daemons, unmounts and detaches whatever
	# is under ROOT, deletes the namespaces and ROOT
	[ -e "$ROOT/lab.json" ] && "$OMLAB" -root "$ROOT" down >/dev/null
	rm -rf "$WORK"
	rm -f "$ROOT.lock" # still held: a run waiting for it starts afresh
}
trap cleanup EXIT
trap 'exit 130' INT TERM # through the EXIT trap

CGO_ENABLED=0 go build -o "$OMLAB" ./testfixtures/clusterlab/cmd/lab
go build -o "$WORK/benchgen" ./testfixtures/benchgen
if [ -e "$ROOT/lab.json" ]; then
	echo "   (a lab was left in $ROOT by an interrupted run: taking it down)"
	"$OMLAB" -root "$ROOT" down >/dev/null
fi

# ---- the lab ----------------------------------------------------------------

NS1=/run/netns/$PREFIX-node1
SRC=$ROOT/node1/$SVC # the service's filesystem on node1: the source

# AS_node1, AS_node2: the prefix of a command run as that node: in its
# network namespace with its om environment, as the lab's daemons and `lab
# run` have it, without the lab tool in between (it would be timed too).
as_node() {
	echo nsenter "--net=/run/netns/$PREFIX-$1" env "OMHCL_NODE=$1" "OMHCL_STATE_DIR=$ROOT/$1/state" \
		"OMHCL_CONFIG=$ROOT/$1/config" NO_COLOR=1
}
read -ra AS_node1 <<<"$(as_node node1)"
read -ra AS_node2 <<<"$(as_node node2)"

# lab_up: two nodes joined, the synced service deployed on node1 (its
# filesystem made and mounted there), node2's standby filesystem mounted
# once the cluster gave it the configuration, then the daemon's own first
# sync (of the empty filesystem) awaited: with a 24 h interval it is the
# last one the daemon starts, every later sync is the bench's.
lab_up() {
	"$OMLAB" -root "$ROOT" -bin "$BIN" up -n 2 -bare -prefix "$PREFIX" >"$WORK/lab.log" 2>&1 ||
		die "lab up failed:$(printf '\n'; tail -30 "$WORK/lab.log")"
	"$OMLAB" -root "$ROOT" -bin "$BIN" deploy testfixtures/benchshell/sync/service.hcl node1 >>"$WORK/lab.log" 2>&1 ||
		die "deploying $SVC on node1 failed:$(printf '\n'; tail -30 "$WORK/lab.log")"
	local i
	for ((i = 0; ; i++)); do
		"${AS_node2[@]}" "$BIN/omapply" --auto-approve >"$WORK/node2.log" 2>&1 && break
		[ "$i" -lt 100 ] || die "node2: omapply of $SVC failed for 30 s:$(printf '\n'; tail -20 "$WORK/node2.log")"
		sleep 0.3
	done
	for ((i = 0; ; i++)); do
		[ -n "$(rsync_last)" ] && break
		[ "$i" -lt 100 ] || die "the daemon of node1 did not sync $SVC within 30 s:$(printf '\n'; tail -20 "$ROOT/node1/daemon.log")"
		sleep 0.3
	done
}

# link_tx: bytes sent so far on node1's link to the lab's bridge.
# shellcheck disable=SC2016 # awk's fields
link_tx() { nsenter --net="$NS1" awk '$1 == "eth0:" { print $10 }' /proc/net/dev; }

# ---- the data, and the 1 % change --------------------------------------------

changed_files() {
	local k
	for ((k = 0; k < CHANGED; k++)); do
		printf 'f%03d\n' $((k * FILES / CHANGED + FILES / CHANGED / 2))
	done
}

# fill DIR: FILES files of random data, then copies of those an
# incremental run changes (PRISTINE) and the change itself (CHANGE).
PRISTINE=$WORK/pristine
CHANGE=$WORK/change.bin
fill() {
	local i f
	for ((i = 0; i < FILES; i++)); do
		head -c "${FILE_KB}K" /dev/urandom >"$1/$(printf 'f%03d' "$i")"
	done
	mkdir -p "$PRISTINE"
	for f in $(changed_files); do
		cp -p "$1/$f" "$PRISTINE/$f"
	done
	head -c $((CHANGED * CHANGE_KB))K /dev/urandom >"$CHANGE"
	sync
}

# change DIR: the 1 % change: in the k-th changed file, CHANGE_KB KiB
# rewritten in place at offset k * CHANGE_KB KiB (k from 0 to 9), always
# the same bytes.
change() {
	local k=0 f
	for f in $(changed_files); do
		dd if="$CHANGE" of="$1/$f" bs="${CHANGE_KB}K" count=1 skip=$k seek=$((k % (FILE_KB / CHANGE_KB))) \
			conv=notrunc status=none
		k=$((k + 1))
	done
}

# restore DIR: the changed files back as fill left them (content and
# times): DIR is then identical to the state before any change.
restore() {
	local f
	for f in $(changed_files); do
		cp -p "$PRISTINE/$f" "$1/$f"
	done
}

# wipe DIR: empty it, for a full sync.
wipe() { find "$1" -mindepth 1 -delete; }

# same WHO DIR [SOURCE]: DIR is a copy of SOURCE (SRC), or the bench stops.
same() {
	diff -rq "${3:-$SRC}" "$2" >"$WORK/diff" 2>&1 || die "$1: the copy in $2 differs from its source:$(printf '\n'; head -5 "$WORK/diff")"
}

# ---- rows ----------------------------------------------------------------------
#
# A row is a way to sync the source to a copy, named NAME in ROWS, with:
#   NAME_label    what the table calls it
#   NAME_up       make what it needs (the lab is up, SRC filled)
#   NAME_reset    put its copy back to the source's state before the change
#                 (the source is there already), for an incremental run
#   NAME_wipe     empty its copy, for a full run
#   NAME_sync PHASE RUN   one timed sync (PHASE full or incr), recording
#                 MS[NAME,PHASE,RUN] (wall), CPU[NAME,PHASE,RUN] (every
#                 process of the transfer, both ends) and BYTES[NAME,PHASE,RUN],
#                 and checking the copy (same)
#   NAME_down     undo NAME_up (cleanup, on any exit; may find nothing)
# and may record more in EXTRA[NAME.KEY,PHASE,RUN], printed by report.
# Rows copy from SRC unless their NAME_up adds a source of their own to
# SOURCES.
SOURCES=("$SRC")

declare -A MS CPU BYTES EXTRA # read through values' nameref

# timed LOG COMMAND...: one run, "WALL_MS CPU_MS" on stdout (CPU: the
# command and the children it waited for), its own stdout in LOG.
timed() {
	local log=$1 res
	shift
	res=$("$WORK/benchgen" measure -runs 1 -out "$log" -- "$@") ||
		die "$* failed:$(printf '\n'; tail -20 "$log")"
	awk '{ print $1, $5 }' <<<"$res"
}

# -- sync.rsync: om SVC sync update on node1, through the data channel to node2

RSYNC_DST=$ROOT/node2/$SVC
RSYNC_RECORD=$ROOT/node1/state/services/$SVC/resources/sync_data/syncs.json
rsync_label() { echo "sync.rsync (om $SVC sync update)"; }
rsync_up() { :; } # the lab is the setup
rsync_down() { :; }
rsync_reset() { restore "$RSYNC_DST"; }
rsync_wipe() { wipe "$RSYNC_DST"; }
# rsync_last: when node1 last synced node2 (empty: never, or it failed since)
rsync_last() {
	jq -r '.targets.node2 | select(.error == null and (.last_sync | startswith("0001") | not)) | .last_sync' \
		"$RSYNC_RECORD" 2>/dev/null || true
}
# daemon_cpu NODE: CPU ms of node's daemon and of the children it waited
# for (the rsync --server of the syncs it received).
daemon_cpu() {
	local pid
	pid=$(jq ".Nodes[] | select(.Name == \"$1\") | .Daemon.PID" "$ROOT/lab.json")
	awk -v hz="$(getconf CLK_TCK)" '{ print ($14 + $15 + $16 + $17) * 1000 / hz }' "/proc/$pid/stat"
}
# shellcheck disable=SC2034 # MS, CPU, EXTRA: read through values' nameref
rsync_sync() {
	local key=rsync,$1,$2 before tx0 tx1 cpu0 res wall cpu
	before=$(rsync_last)
	tx0=$(link_tx)
	cpu0=$(daemon_cpu node2)
	res=$(timed "$WORK/rsync.log" "${AS_node1[@]}" "$BIN/om" "$SVC" sync update)
	tx1=$(link_tx)
	read -r wall cpu <<<"$res"
	MS[$key]=$wall
	CPU[$key]=$(calc '%f' "$cpu + $(daemon_cpu node2) - $cpu0")
	[ "$(rsync_last)" != "$before" ] || die "om $SVC sync update recorded no new sync to node2:$(printf '\n'; cat "$WORK/rsync.log")"
	BYTES[$key]=$(jq '.targets.node2.bytes_sent' "$RSYNC_RECORD")
	EXTRA[rsync.took,$1,$2]=$(jq '.targets.node2.took_ns / 1e6' "$RSYNC_RECORD")
	EXTRA[rsync.wire,$1,$2]=$((tx1 - tx0))
	same "sync.rsync" "$RSYNC_DST"
}

# -- plain rsync, the same options, its remote shell a plain pipe (delta
# transfer on, as with any remote shell; a local copy would default to
# --whole-file), into a filesystem of the same kind

PLAIN_DST=$ROOT/plain
PLAIN_DEV=
plain_label() { echo "plain rsync -aHS --delete --stats -e PIPE"; }
plain_up() {
	truncate -s 128M "$ROOT/plain.img"
	PLAIN_DEV=$(losetup -f --show "$ROOT/plain.img")
	mkfs.ext4 -F -q "$PLAIN_DEV"
	mkdir -p "$PLAIN_DST"
	mount -t ext4 "$PLAIN_DEV" "$PLAIN_DST"
	# the remote shell: rsync runs it as `pipe HOST rsync --server ...`
	printf '#!/bin/sh\nshift\nexec "$@"\n' >"$WORK/pipe"
	chmod +x "$WORK/pipe"
}
plain_down() {
	mountpoint -q "$PLAIN_DST" 2>/dev/null && umount "$PLAIN_DST"
	[ -n "$PLAIN_DEV" ] && losetup -d "$PLAIN_DEV" 2>/dev/null
	PLAIN_DEV=
}
plain_reset() { restore "$PLAIN_DST"; }
plain_wipe() { wipe "$PLAIN_DST"; }
plain_sync() {
	local key=plain,$1,$2 res
	# in node1's namespace, as om runs there: the same nsenter on both sides
	res=$(timed "$WORK/plain.log" nsenter --net="$NS1" \
		rsync -aHS --delete --stats -e "$WORK/pipe" "$SRC/" "node2:$PLAIN_DST/")
	read -r "MS[$key]" "CPU[$key]" <<<"$res"
	BYTES[$key]=$(sed -n 's/^Total bytes sent: \([0-9,.]*\)$/\1/p' "$WORK/plain.log" | tr -d ,.)
	[ -n "${BYTES[$key]}" ] || die "plain rsync printed no \"Total bytes sent\":$(printf '\n'; cat "$WORK/plain.log")"
	same "plain rsync" "$PLAIN_DST"
}

# -- sync.btrfs: om bbtrfs sync update on node1, snapshots sent with
# btrfs send -p through the data channel to node2, received there and
# swapped into place. Its source is a subvolume filled with the same files;
# every incremental run starts from the full sync's snapshot F: the source
# subvolume made again as a snapshot of F (restoring the files by copy
# would give them new extents, which btrfs would send whole), the later
# snapshots dropped on both sides, the record's parent set back to F.

BSVC=bbtrfs # testfixtures/benchshell/sync/btrfs.hcl
BSRC=$ROOT/node1/$BSVC/data
BDST=$ROOT/node2/$BSVC/data
BSNAP1=$ROOT/node1/$BSVC/.data.snapshots
BSNAP2=$ROOT/node2/$BSVC/.data.snapshots
BTRFS_RECORD=$ROOT/node1/state/services/$BSVC/resources/sync_data/syncs.json
BTRFS_F= # the full sync's snapshot
btrfs_enabled() { command -v mkfs.btrfs >/dev/null; }
btrfs_label() { echo "sync.btrfs (om $BSVC sync update)"; }
btrfs_note() { echo "sync.btrfs: not measured (no mkfs.btrfs here: apt-get install btrfs-progs)"; }
btrfs_last() {
	jq -r '.targets.node2 | select(.error == null and (.last_sync | startswith("0001") | not)) | .last_sync' \
		"$BTRFS_RECORD" 2>/dev/null || true
}
btrfs_up() {
	"$OMLAB" -root "$ROOT" -bin "$BIN" deploy testfixtures/benchshell/sync/btrfs.hcl node1 >>"$WORK/lab.log" 2>&1 ||
		die "deploying $BSVC on node1 failed:$(printf '\n'; tail -30 "$WORK/lab.log")"
	local i
	for ((i = 0; ; i++)); do
		[ -n "$(btrfs_last)" ] && break
		"${AS_node2[@]}" "$BIN/omapply" --auto-approve >"$WORK/node2-btrfs.log" 2>&1 || true
		[ "$i" -lt 100 ] || die "the daemon of node1 did not sync $BSVC within 30 s:$(printf '\n'; tail -20 "$ROOT/node1/daemon.log")"
		sleep 0.3
	done
	cp -p "$SRC"/f* "$BSRC/"
	sync
}
btrfs_down() { :; } # under ROOT: lab down unmounts and detaches it
# drop DIR [AFTER]: delete the snapshots in DIR (those named after AFTER).
btrfs_drop() {
	local s
	for s in "$1"/*; do
		[ -d "$s" ] || continue
		[ -z "${2:-}" ] || [[ $(basename "$s") > $2 ]] || continue
		btrfs -q subvolume delete "$s" >/dev/null
	done
}
btrfs_record_parent() { # the record's parent for node2 (empty: none)
	jq --arg f "$1" '.targets.node2.snapshots = (if $f == "" then [] else [$f] end)' "$BTRFS_RECORD" >"$WORK/rec" &&
		cp "$WORK/rec" "$BTRFS_RECORD"
}
btrfs_wipe() {
	btrfs_drop "$BSNAP1"
	btrfs_drop "$BSNAP2"
	[ -d "$BDST" ] && btrfs -q subvolume delete "$BDST" >/dev/null
	btrfs_record_parent ""
	# deleted subvolumes are freed in the background: wait, or the next
	# full copy may find the space still taken
	btrfs subvolume sync "$ROOT/node1/$BSVC" >/dev/null
	btrfs subvolume sync "$ROOT/node2/$BSVC" >/dev/null
}
btrfs_reset() {
	[ -n "$BTRFS_F" ] || BTRFS_F=$(basename "$(find "$BSNAP1" -mindepth 1 -maxdepth 1 | sort | tail -1)")
	btrfs_drop "$BSNAP1" "$BTRFS_F"
	btrfs_drop "$BSNAP2" "$BTRFS_F"
	btrfs -q subvolume delete "$BSRC" >/dev/null
	btrfs -q subvolume snapshot "$BSNAP1/$BTRFS_F" "$BSRC" >/dev/null
	btrfs_record_parent "$BTRFS_F"
}
# shellcheck disable=SC2034 # MS, CPU: read through values' nameref
btrfs_sync() {
	local key=btrfs,$1,$2 before cpu0 res wall cpu
	before=$(btrfs_last)
	cpu0=$(daemon_cpu node2)
	res=$(timed "$WORK/btrfs.log" "${AS_node1[@]}" "$BIN/om" "$BSVC" sync update)
	read -r wall cpu <<<"$res"
	MS[$key]=$wall
	CPU[$key]=$(calc '%f' "$cpu + $(daemon_cpu node2) - $cpu0")
	[ "$(btrfs_last)" != "$before" ] || die "om $BSVC sync update recorded no new sync to node2:$(printf '\n'; cat "$WORK/btrfs.log")"
	BYTES[$key]=$(jq '.targets.node2.bytes_sent' "$BTRFS_RECORD")
	same "sync.btrfs" "$BDST" "$BSRC"
}

ROWS=(rsync plain)
if btrfs_enabled; then
	ROWS+=(btrfs)
	SOURCES+=("$BSRC")
fi

# ---- runs ------------------------------------------------------------------------

# rows_from RUN: ROWS, rotated by RUN, so no row always runs first.
rows_from() {
	local i n=${#ROWS[@]}
	for ((i = 0; i < n; i++)); do
		echo "${ROWS[(i + $1) % n]}"
	done
}

full_run() {
	local row
	for row in "${ROWS[@]}"; do "${row}_wipe"; done
	sync
	for row in $(rows_from "$1"); do "${row}_sync" full "$1"; done
}

# incr_run RUN: every source and copy back to the state the full sync
# left, the same change in every source, then each row's sync.
incr_run() {
	local row src
	for src in "${SOURCES[@]}"; do restore "$src"; done
	for row in "${ROWS[@]}"; do "${row}_reset"; done
	for src in "${SOURCES[@]}"; do change "$src"; done
	sync
	for row in $(rows_from "$1"); do "${row}_sync" incr "$1"; done
}

# ---- report ------------------------------------------------------------------------

# values ARRAY KEY PHASE: ARRAY[KEY,PHASE,1..RUNS], one a line.
values() {
	local -n arr=$1
	local r
	for ((r = 1; r <= RUNS; r++)); do echo "${arr[$2,$3,$r]}"; done
}
stat3() { # median min max of the numbers read
	sort -g | awk '{ v[NR] = $1 } END { m = (NR % 2) ? v[(NR + 1) / 2] : (v[NR / 2] + v[NR / 2 + 1]) / 2; print m, v[1], v[NR] }'
}
size() { # bytes, readable
	awk -v b="$1" 'BEGIN { if (b >= 1048576) printf "%.2f MiB", b / 1048576; else if (b >= 1024) printf "%.1f KiB", b / 1024; else printf "%d B", b }'
}
# bytes_cell ARRAY KEY PHASE: the median, and the range when runs differ.
bytes_cell() {
	local med lo hi
	read -r med lo hi <<<"$(values "$1" "$2" "$3" | stat3)"
	if [ "$(size "$lo")" = "$(size "$hi")" ]; then
		size "$med"
	else
		echo "$(size "$med") ($(size "$lo") to $(size "$hi"))"
	fi
}
med() { values "$@" | stat3 | cut -d' ' -f1; } # med ARRAY KEY PHASE
line() { # LABEL MEDIAN MIN MAX CPU BYTES
	printf '   %-42s %7.0f ms %7.0f ms %7.0f ms %7.0f ms   %s\n' "$@"
}

# report PHASE TITLE: a line per row (median, min, max wall time; median
# CPU; bytes sent), then the ratios of sync.rsync to plain rsync.
report() {
	local phase=$1 title=$2 row t b
	echo "   -- $title"
	printf '   %-42s %10s %10s %10s %10s   %s\n' '' median min max cpu 'bytes sent'
	for row in "${ROWS[@]}"; do
		# shellcheck disable=SC2046 # median min max: three words
		line "$("${row}_label")" $(values MS "$row" "$phase" | stat3) "$(med CPU "$row" "$phase")" \
			"$(bytes_cell BYTES "$row" "$phase")"
		if [ "$row" = rsync ]; then
			# shellcheck disable=SC2046,SC2183 # median min max: three words
			printf '   %-42s %7.0f ms %7.0f ms %7.0f ms\n' "  its rsync (the driver's took_ns)" $(values EXTRA rsync.took "$phase" | stat3)
			printf '   %-42s %43s   %s\n' "  on node1's link (eth0 tx)" '' "$(bytes_cell EXTRA rsync.wire "$phase")"
		fi
	done
	btrfs_enabled || echo "   $(btrfs_note)"
	t=$(med MS plain "$phase") b=$(med BYTES plain "$phase")
	printf '   %-42s %9.2fx %21s %9.2fx   %.2fx (on the link %.2fx)\n' "sync.rsync / plain rsync" \
		"$(calc '%f' "$(med MS rsync "$phase") / $t")" '' \
		"$(calc '%f' "$(med CPU rsync "$phase") / $(med CPU plain "$phase")")" \
		"$(calc '%f' "$(med BYTES rsync "$phase") / $b")" "$(calc '%f' "$(med EXTRA rsync.wire "$phase") / $b")"
	printf '   %-42s %9.2fx\n' "  its rsync / plain rsync" "$(calc '%f' "$(med EXTRA rsync.took "$phase") / $t")"
	if btrfs_enabled; then
		printf '   %-42s %9.2fx %21s %9.2fx   %.2fx\n' "sync.btrfs / plain rsync" \
			"$(calc '%f' "$(med MS btrfs "$phase") / $t")" '' \
			"$(calc '%f' "$(med CPU btrfs "$phase") / $(med CPU plain "$phase")")" \
			"$(calc '%f' "$(med BYTES btrfs "$phase") / $b")"
	fi
}

# ---- main ----------------------------------------------------------------------------

echo "== part 4: sync of a 100 MiB filesystem, full then 1 % changed, $RUNS runs each: sync.rsync and sync.btrfs beside plain rsync"
echo "   $(nproc) cpus, $(awk '{ print "load " $1 " " $2 " " $3 }' /proc/loadavg) at start, rsync $(rsync --version | awk 'NR == 1 { print $3 }')"
lab_up
fill "$SRC"
for row in "${ROWS[@]}"; do "${row}_up"; done
gossip0=$(link_tx)
sleep 1
gossip=$(($(link_tx) - gossip0))
echo "   source: $FILES files of $FILE_KB KiB of random data in ext4 on a 128 MiB loop device, node1 of a 2-node lab ($(df -h --output=used "$SRC" | tail -1 | tr -d ' ') used)"
echo "   change: $CHANGE_KB KiB rewritten in place in $CHANGED of the files ($((CHANGED * CHANGE_KB)) KiB), the same bytes every run, from the same state"
echo "   node1's link carries $(size "$gossip")/s of gossip alone"
for ((run = 1; run <= RUNS; run++)); do full_run "$run"; done
for ((run = 1; run <= RUNS; run++)); do incr_run "$run"; done
report full "full sync (into an empty filesystem)"
report incr "incremental sync, 1 % changed"
echo "   bytes sent: rsync --stats' \"Total bytes sent\" (sync.rsync: its syncs.json); on node1's link: what eth0"
echo "   sent during the command (SSH, TCP/IP, gossip); cpu: every process of the transfer, both ends (median)"
