#!/usr/bin/env bash
# make bench: figures printed, never asserted.
#
# 1. omplan against a snapshot of generated configurations (100, 1,000 and
#    10,000 services of 10 resources): median wall time, peak RSS, cost per
#    service and how it grows, text and JSON output.
# 2. (root) the demo service started and stopped by omapply / om, beside a
#    plain shell script doing the same operations (testfixtures/benchshell),
#    in a lab like make demo's.
# 3. (root, a docker engine) the micro-container service started and stopped
#    by omapply / om, beside the docker CLI doing the same
#    (scripts/bench-micro.sh, runnable alone).
# 4. (root) a sync of a 100 MiB filesystem, full then with 1 % changed, by
#    om SVC sync update (sync.rsync through the data channel) in a 2-node
#    cluster lab, beside plain rsync over a pipe (scripts/bench-sync.sh,
#    runnable alone; BENCH_SYNC_RUNS, default 5).
# 5. (root) failover time and daemon idle cost (scripts/bench-failover.sh).
#
# Knobs: BENCH_SIZES ("100 1000 10000"), BENCH_CYCLES (10), BENCH_BUDGET
# (seconds the largest size may take per output mode, default 60: fewer runs
# beyond it), BENCH_OMPLAN_BASELINE (another omplan binary, an older build:
# part 1 measures it too, on the same sets, and prints this build's ratios
# to it). docs/bench.md has the method and figures.
set -euo pipefail
cd "$(dirname "$0")/.."

BIN=$PWD/bin
SIZES=${BENCH_SIZES:-100 1000 10000}
BASELINE=${BENCH_OMPLAN_BASELINE:-}
CYCLES=${BENCH_CYCLES:-10}
BUDGET=${BENCH_BUDGET:-60}
NODE=bench1

if [ -n "$BASELINE" ] && [ ! -x "$BASELINE" ]; then
	echo "bench: BENCH_OMPLAN_BASELINE=$BASELINE is not an executable omplan" >&2
	exit 1
fi
for v in $SIZES "$CYCLES" "$BUDGET"; do
	[[ $v =~ ^[1-9][0-9]*$ ]] || {
		echo "bench: BENCH_SIZES, BENCH_CYCLES and BENCH_BUDGET take positive integers, not \"$v\"" >&2
		exit 1
	}
done

WORK=$(mktemp -d /var/tmp/ombench-work.XXXXXX)
LAB_ACTIVE=
cleanup() {
	set +e
	[ -n "$LAB_ACTIVE" ] && lab_down
	rm -rf "$WORK"
}
trap cleanup EXIT
trap 'exit 130' INT TERM # through the EXIT trap

die() {
	echo "bench: $*" >&2
	exit 1
}

# shellcheck source=scripts/bench-lib.sh
. scripts/bench-lib.sh

# measure [benchgen measure flags] -- COMMAND...: "MEDIAN_MS MIN_MS MAX_MS
# MAXRSS_KB" of the command alone.
measure() { "$WORK/benchgen" measure "$@"; }

# ---- part 1: omplan from a snapshot -------------------------------------

declare -A PLAN_MS PLAN_CPU PLAN_RSS PLAN_WORK BASE_MS BASE_CPU BASE_RSS
PLAN_DONE=()

plan_bench() {
	echo "== part 1: omplan --snapshot on generated services (10 resources each: ip, 2 disk.loop, 3 fs, 4 app)"
	echo "   half up and converged, a quarter down, a quarter up with a moved address and a stopped app"
	printf '%9s  %-6s %4s  %9s %9s %9s  %9s  %9s  %11s\n' services output runs median min max 'cpu' 'peak RSS' 'per service'
	local n mode runs
	for n in $SIZES; do
		PLAN_WORK[$n]=$("$WORK/benchgen" -services "$n" -dir "$WORK/plan-$n" -node "$NODE")
		runs=$(plan_runs "$n")
		for mode in text json; do
			plan_measure "$n" "$mode" "$runs"
		done
		rm -rf "$WORK/plan-$n"
		PLAN_DONE+=("$n")
	done
	plan_summary
}

# plan_runs N: 5 timed runs up to 1,000 services, 3 beyond, fewer when the
# growth measured so far says they would not fit in BUDGET seconds.
plan_runs() {
	local n=$1 runs=5 k=${#PLAN_DONE[@]} est fit
	[ "$n" -gt 1000 ] && runs=3
	if [ "$k" -ge 1 ]; then
		local a=${PLAN_DONE[k - 1]} growth
		# per-service cost grew by this factor over the last step (at least 1)
		growth=1
		[ "$k" -ge 2 ] && growth=$(calc '%f' "(${PLAN_MS[$a,text]} / $a) / (${PLAN_MS[${PLAN_DONE[k - 2]},text]} / ${PLAN_DONE[k - 2]})")
		est=$(calc '%.0f' "${PLAN_MS[$a,text]} * $n / $a * ($growth > 1 ? $growth : 1) + 1")
		fit=$(calc '%d' "$BUDGET * 1000 / $est")
		if [ "$fit" -lt "$runs" ]; then
			runs=$((fit > 1 ? fit : 1))
			echo "   ($n services: $runs run(s) per output, as one is expected to take about $((est / 1000)) s; BENCH_BUDGET=$BUDGET s)" >&2
		fi
	fi
	echo "$runs"
}

# plan_measure N MODE RUNS: time omplan on the N-service set, output to
# /dev/null.
# shellcheck disable=SC2034 # PLAN_CPU and PLAN_RSS are read through ratio's nameref
plan_measure() {
	local n=$1 mode=$2 runs=$3 dir=$WORK/plan-$1 warmup=1 res med lo hi rss cpu
	local flags=()
	[ "$mode" = json ] && flags=(-json)
	[ "$n" -gt 1000 ] && warmup=0 # the generator just wrote the files: they are in the page cache
	res=$(measure -runs "$runs" -warmup "$warmup" -warmup-out "$dir/plan.$mode" -- \
		"$BIN/omplan" --snapshot "$dir/snapshot.json" --node "$NODE" "${flags[@]}" "$dir/services")
	read -r med lo hi rss cpu <<<"$res"
	PLAN_MS[$n,$mode]=$med
	PLAN_CPU[$n,$mode]=$cpu
	PLAN_RSS[$n,$mode]=$rss
	if [ "$mode" = text ] && [ -s "$dir/plan.text" ]; then
		PLAN_WORK[$n]+=$'\n'"   $(grep -m1 '^Plan:' "$dir/plan.text" || echo 'no Plan: line in the output')"
	fi
	printf '%9s  %-6s %4s  %6.0f ms %6.0f ms %6.0f ms  %6.0f ms  %6.0f MB  %8.2f ms\n' \
		"$n" "$mode" "$runs" "$med" "$lo" "$hi" "$cpu" "$(calc '%f' "$rss / 1024")" "$(calc '%f' "$med / $n")"
	[ -n "$BASELINE" ] || return 0
	# the baseline right after, on the same set, as many runs
	res=$(measure -runs "$runs" -warmup "$warmup" -- \
		"$BASELINE" --snapshot "$dir/snapshot.json" --node "$NODE" "${flags[@]}" "$dir/services")
	read -r med lo hi rss cpu <<<"$res"
	BASE_MS[$n,$mode]=$med
	BASE_CPU[$n,$mode]=$cpu
	BASE_RSS[$n,$mode]=$rss
	printf '%9s  %-6s %4s  %6.0f ms %6.0f ms %6.0f ms  %6.0f ms  %6.0f MB  %8.2f ms  (baseline)\n' \
		"$n" "$mode" "$runs" "$med" "$lo" "$hi" "$cpu" "$(calc '%f' "$rss / 1024")" "$(calc '%f' "$med / $n")"
}

# ratio ARRAY A B MODE: ARRAY[B,MODE] / ARRAY[A,MODE].
ratio() {
	local -n arr=$1
	calc '%.1f' "${arr[$3,$4]} / ${arr[$2,$4]}"
}

plan_summary() {
	local n mode i a b
	echo
	for n in "${PLAN_DONE[@]}"; do
		echo "   ${PLAN_WORK[$n]}"
	done
	for mode in text json; do
		for ((i = 1; i < ${#PLAN_DONE[@]}; i++)); do
			a=${PLAN_DONE[i - 1]} b=${PLAN_DONE[i]}
			echo "   growth ($mode): $a -> $b services: time x$(ratio PLAN_MS "$a" "$b" "$mode"), cpu x$(ratio PLAN_CPU "$a" "$b" "$mode"), peak RSS x$(ratio PLAN_RSS "$a" "$b" "$mode") (linear: x$(calc '%g' "$b / $a"))"
		done
	done
	if [ -n "$BASELINE" ]; then
		for n in "${PLAN_DONE[@]}"; do
			for mode in text json; do
				echo "   against the baseline ($n services, $mode): time x$(calc '%.2f' "${PLAN_MS[$n,$mode]} / ${BASE_MS[$n,$mode]}"), cpu x$(calc '%.2f' "${PLAN_CPU[$n,$mode]} / ${BASE_CPU[$n,$mode]}"), peak RSS x$(calc '%.2f' "${PLAN_RSS[$n,$mode]} / ${BASE_RSS[$n,$mode]}") (below 1: this build is better)"
			done
		done
	fi
	# issue 17's targets: 1,000 services in a pre-commit hook's time,
	# 10,000 in under 2 s and 500 MB
	if [ -n "${PLAN_MS[1000,text]:-}" ]; then
		echo "   target: 1,000 services planned in under 300 ms: text $(calc '%.0f' "${PLAN_MS[1000,text]}") ms, json $(calc '%.0f' "${PLAN_MS[1000,json]}") ms"
	fi
	if [ -n "${PLAN_MS[10000,text]:-}" ]; then
		echo "   target: 10,000 services planned in under 2 s and 500 MB: text $(calc '%.0f' "${PLAN_MS[10000,text]}") ms, $(calc '%.0f' "${PLAN_RSS[10000,text]} / 1024") MB"
	fi
}

# ---- part 2: omapply start/stop of the demo service vs a shell script ---

DEMO_URL=http://198.18.0.10:8080/
declare -A CYCLE_MS

apply_bench() {
	echo "== part 2: start then stop of the demo service (ip, loop disk, ext4 fs, web app), $CYCLES cycles each"
	apply_lab_up
	run_cycles
	apply_report
}

# apply_lab_up builds a lab like make demo's, under its own names, with a
# copy of the demo service moved into it, then provisions the service once
# (backing file, mkfs) and stops it: no timed run pays provisioning.
apply_lab_up() {
	export LAB_PREFIX=ombench
	. scripts/lab-demo.sh
	LAB_ACTIVE=1
	lab_down
	lab_up
	mkdir -p "$WORK/demo"
	sed "s#/var/tmp/omdemo#$LAB#g" examples/demo/service.hcl >"$WORK/demo/service.hcl"
	export OMHCL_NODE=demo1 OMHCL_STATE_DIR=$LAB/state OMHCL_CONFIG=$WORK/demo BENCH_LAB=$LAB
	in_node "$BIN/omapply" -auto-approve "$WORK/demo" >"$WORK/provision.log" 2>&1 ||
		die "provisioning the demo service failed:$(printf '\n'; tail -20 "$WORK/provision.log")"
	check_up "provision"
	in_node "$BIN/om" web stop >>"$WORK/provision.log" 2>&1 || die "om web stop after provisioning failed"
	check_down "provision"
}

omhcl_cycle() {
	timed omhcl.start "$1" "$BIN/omapply" -auto-approve -desired up "$WORK/demo"
	check_up "omapply, cycle $1"
	timed omhcl.stop "$1" "$BIN/om" web stop
	check_down "om web stop, cycle $1"
}

shell_cycle() {
	timed shell.start "$1" testfixtures/benchshell/start.sh
	check_up "benchshell/start.sh, cycle $1"
	timed shell.stop "$1" testfixtures/benchshell/stop.sh
	check_down "benchshell/stop.sh, cycle $1"
}

# timed KEY CYCLE COMMAND...: one run in the node's namespace, recorded.
timed() {
	local key=$1 cycle=$2 res
	shift 2
	res=$(measure -runs 1 -out "$WORK/$key.log" -- nsenter --net=/run/netns/"$LAB_NODE_NS" "$@") ||
		die "$key failed in cycle $cycle:$(printf '\n'; tail -20 "$WORK/$key.log")"
	CYCLE_MS[$key,$cycle]=${res%% *}
}

check_up() {
	in_client "$BIN/demoweb" get "$DEMO_URL" >/dev/null 2>&1 || die "after $1: the web app does not answer on $DEMO_URL"
}

check_down() {
	if ip -n "$LAB_NODE_NS" -o addr show dev omdemo0 | grep -q ' 198\.18\.0\.10/'; then
		die "after $1: 198.18.0.10 is still on omdemo0"
	fi
	if mountpoint -q "$LAB/mnt/web"; then
		die "after $1: $LAB/mnt/web is still mounted"
	fi
	if [ -n "$(losetup -n -O NAME -j "$LAB/web-data.img")" ]; then
		die "after $1: $LAB/web-data.img is still attached"
	fi
}

# apply_report prints the medians per operation and per cycle.
apply_report() {
	cycle_report 1.5 "omhcl: omapply -auto-approve -desired up, om web stop; shell: testfixtures/benchshell"
}

echo "== make bench on $(uname -n): $(nproc) cpus, $(awk '{ print "load " $1 " " $2 " " $3 }' /proc/loadavg), $(go env GOVERSION)"
for b in omplan omapply om demoweb; do
	[ -x "$BIN/$b" ] || die "$BIN/$b is missing: run make build (make bench does)"
done
go build -o "$WORK/benchgen" ./testfixtures/benchgen

plan_bench
echo
if [ "$(id -u)" = 0 ]; then
	apply_bench
else
	echo "== part 2 (omapply vs shell) skipped: it needs root for network namespaces, loop devices and mount"
fi
echo
./scripts/bench-micro.sh
echo
./scripts/bench-sync.sh
echo
echo "== make bench took $SECONDS s"

# Part 5: failover time and daemon idle cost (make bench-failover alone).
echo
./scripts/bench-failover.sh
