#!/usr/bin/env bash
# make bench, part 3 (also alone): start then stop of the micro-container
# service (a pause container, ip.netns into its namespace, httpd sharing it)
# by omapply / om, beside the docker CLI doing the same
# (testfixtures/benchshell/micro), BENCH_CYCLES (10) cycles each, in a lab
# namespace of its own. Skipped when no docker engine answers.
# docs/bench.md has the method and figures.
set -euo pipefail
cd "$(dirname "$0")/.."
# shellcheck source=scripts/bench-lib.sh
. scripts/bench-lib.sh

BIN=$PWD/bin
CYCLES=${BENCH_CYCLES:-10}
NODE_NS=ombench-mnode
CLIENT_NS=ombench-mclient
URL=http://198.18.4.10:8080/index.html
declare -A CYCLE_MS

skip() {
	echo "== part 3 (micro-containers vs docker CLI) skipped: $*"
	exit 0
}
[ "$(id -u)" = 0 ] || skip "it needs root for network namespaces"
# Debian's CLI first: a newer one in front may not speak to this engine.
export DOCKER=
for cli in /usr/bin/docker docker; do
	if command -v "$cli" >/dev/null && "$cli" version >/dev/null 2>&1; then
		DOCKER=$(command -v "$cli")
		break
	fi
done
[ -n "$DOCKER" ] || skip "no docker engine answers on /var/run/docker.sock (scripts/engines.sh starts one)"

WORK=$(mktemp -d /var/tmp/ombench-micro.XXXXXX)
cleanup() {
	set +e
	nsenter --net=/run/netns/$NODE_NS "$BIN/om" micro stop >/dev/null 2>&1
	"$DOCKER" rm -f benchsh-web benchsh-pause >/dev/null 2>&1
	ip netns del $NODE_NS 2>/dev/null
	ip netns del $CLIENT_NS 2>/dev/null
	rm -rf "$WORK"
}
trap cleanup EXIT
trap 'exit 130' INT TERM # through the EXIT trap

die() {
	echo "bench-micro: $*" >&2
	exit 1
}

# lab_up: the node and a client namespace on a veth, the busybox image,
# the page, and the service's configuration.
lab_up() {
	ip netns del $NODE_NS 2>/dev/null || true
	ip netns del $CLIENT_NS 2>/dev/null || true
	ip netns add $NODE_NS
	ip netns add $CLIENT_NS
	ip link add ommicro0 netns $NODE_NS type veth peer name ommicro1 netns $CLIENT_NS
	ip -n $NODE_NS link set ommicro0 up
	ip -n $CLIENT_NS link set ommicro1 up
	ip -n $CLIENT_NS addr add 198.18.4.2/24 dev ommicro1
	"$DOCKER" image inspect omhcl-busybox:local >/dev/null 2>&1 || import_image
	export BENCH_WWW=$WORK/www
	mkdir -p "$BENCH_WWW" "$WORK/micro"
	chmod 755 "$WORK" "$BENCH_WWW"
	echo "micro-containers bench" >"$BENCH_WWW/index.html"
	sed "s#@WWW@#$BENCH_WWW#" testfixtures/benchshell/micro/service.hcl >"$WORK/micro/service.hcl"
	export OMHCL_NODE=benchm1 OMHCL_STATE_DIR=$WORK/state OMHCL_CONFIG=$WORK/micro NO_COLOR=1
}

# import_image makes the image testfixtures/containerlab makes, by the CLI.
import_image() {
	local root=$WORK/rootfs a
	mkdir -p "$root"/{bin,etc,tmp,proc,sys,dev,www}
	cp /bin/busybox "$root/bin/busybox"
	for a in sh httpd sleep; do ln -s busybox "$root/bin/$a"; done
	tar -C "$root" -c . | "$DOCKER" import -c 'ENV PATH=/bin' - omhcl-busybox:local >/dev/null
}

# timed KEY CYCLE COMMAND...: one run in the node's namespace, recorded.
timed() {
	local key=$1 cycle=$2 res
	shift 2
	res=$("$WORK/benchgen" measure -runs 1 -out "$WORK/$key.log" -- nsenter --net=/run/netns/$NODE_NS "$@") ||
		die "$key failed in cycle $cycle:$(printf '\n'; tail -20 "$WORK/$key.log")"
	CYCLE_MS[$key,$cycle]=${res%% *}
}

# check_up: the client gets the page within a second (httpd binds a little
# after its container runs).
check_up() {
	local i
	for i in $(seq 20); do
		ip netns exec $CLIENT_NS curl -sf --max-time 1 -o /dev/null "$URL" && return 0
		sleep 0.05
	done
	die "after $1: the page does not answer on $URL"
}

check_down() {
	local left
	left=$("$DOCKER" ps -aq --filter label=omhcl.service=micro --filter name=benchsh-)
	[ -z "$left" ] || die "after $1: containers left: $left"
	[ "$(ip -n $NODE_NS -o link | wc -l)" = 2 ] || die "after $1: links left in the node: $(ip -n $NODE_NS -o link)"
}

cycle() { # WHO N START... -- STOP...
	local who=$1 n=$2 start=() stop=()
	shift 2
	while [ "$1" != -- ]; do start+=("$1"); shift; done
	shift
	timed "$who.start" "$n" "${start[@]}"
	check_up "$who start, cycle $n"
	timed "$who.stop" "$n" "$@"
	check_down "$who stop, cycle $n"
}
omhcl_cycle() { cycle omhcl "$1" "$BIN/omapply" -auto-approve -desired up "$WORK/micro" -- "$BIN/om" micro stop; }
shell_cycle() { cycle shell "$1" testfixtures/benchshell/micro/start.sh -- testfixtures/benchshell/micro/stop.sh; }

echo "== part 3: start then stop of the micro-container service (pause container, ip.netns, httpd), $CYCLES cycles each ($("$DOCKER" version -f 'engine {{.Server.Version}}'))"
for b in omapply om; do
	[ -x "$BIN/$b" ] || die "$BIN/$b is missing: run make build"
done
go build -o "$WORK/benchgen" ./testfixtures/benchgen
lab_up
# One untimed cycle each: the first container start pays the engine's caches.
omhcl_cycle 0
shell_cycle 0
run_cycles
cycle_report 1.2 "omhcl: omapply -auto-approve -desired up, om micro stop; shell: testfixtures/benchshell/micro with $DOCKER"
