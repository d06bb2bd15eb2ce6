#!/usr/bin/env bash
# make demo: a throwaway lab on this machine, then omplan, omapply, om status
# and an HTTP answer from the app on the service address, then a clean stop.
#
# The lab (scripts/lab-demo.sh): network namespace omdemo-node (the node's
# side, where the service address is plumbed and the engine runs) joined by a
# veth pair to omdemo-client (where curl runs). Nothing touches the host's
# interfaces.
set -euo pipefail
cd "$(dirname "$0")/.."
. scripts/lab-demo.sh

if [ "$(id -u)" != 0 ]; then
	echo "make demo needs root (network namespaces, loop devices, mount)" >&2
	exit 1
fi
# What the lab and the service run (ip, nsenter, losetup, mkfs.ext4...):
# installed here when missing, as for make test.
scripts/setup.sh

export OMHCL_NODE=demo1 OMHCL_STATE_DIR=$LAB/state OMHCL_CONFIG=examples/demo
BIN=$PWD/bin

cleanup() {
	set +e
	if [ -d "$LAB/state" ]; then
		in_node "$BIN/om" web unprovision --yes >/dev/null 2>&1
	fi
	lab_down
}

show() {
	printf '\n\033[1m$ %s\033[0m\n' "$*"
	"$@"
}

trap cleanup EXIT
cleanup

echo "== lab: namespaces omdemo-node <-> omdemo-client, launcher in $LAB/bin"
lab_up

# The engine runs in the node's network namespace (nsenter --net keeps the
# host's mount namespace, so the filesystem stays mounted between commands).
show in_node "$BIN/omplan" examples/demo
show in_node "$BIN/omapply" -auto-approve examples/demo
show in_node "$BIN/om" status
show ip netns exec omdemo-client "$BIN/demoweb" get http://198.18.0.10:8080/
show in_node "$BIN/omplan" -detailed-exitcode examples/demo
show in_node "$BIN/om" web stop
show in_node "$BIN/om" status
echo
echo "== cleanup: unprovision the demo service, remove the lab"
