#!/usr/bin/env bash
# make lab: a 3-node omhcl cluster on this machine, to try failover by hand.
#
#   scripts/lab.sh [up [-docker|-kvm|-bare]] start it (make lab does), with the
#                                         HA service of examples/lab (-bare:
#                                         none; deploy adds one)
#   scripts/lab.sh status | mon [NODE] | watch | get | failover
#   scripts/lab.sh kill|boot|cut|heal|daemon-kill|daemon-start|libvirtd-kill|libvirtd-start NODE
#   scripts/lab.sh loss NODE PCT [both|egress|ingress] | noloss NODE
#   scripts/lab.sh deploy FILE [NODE]     one more service, e.g. examples/lab-flex/pool.hcl
#   scripts/lab.sh run NODE CMD...        e.g. run node1 om web switch --to node2
#   scripts/lab.sh client CMD...          e.g. client demoweb get http://198.18.10.100:8080/
#   scripts/lab.sh down
#
# Each node is a network namespace on a bridge (198.18.10.N), with its own
# host name, state directory and daemon; the client (198.18.10.250) reaches
# the service at http://198.18.10.100:8080/. State lives in /var/tmp/omlab.
# The logic is Go, shared with the cluster tests: testfixtures/clusterlab.
set -euo pipefail
cd "$(dirname "$0")/.."

if [ "$(id -u)" != 0 ]; then
	echo "lab: needs root (it creates network namespaces, a bridge and veth pairs)" >&2
	exit 1
fi
for b in om omapply omplan demoweb; do
	[ -x "bin/$b" ] || { echo "lab: bin/$b is missing: run make build (make lab does)" >&2; exit 1; }
done
CGO_ENABLED=0 go build -o bin/omlab ./testfixtures/clusterlab/cmd/lab

ROOT=${OMLAB_ROOT:-/var/tmp/omlab}
if [ "${1:-up}" = up ] && [ -e "$ROOT/lab.json" ]; then
	echo "lab: already up in $ROOT (scripts/lab.sh down removes it)"
	exec bin/omlab -root "$ROOT" status
fi
[ $# -eq 0 ] && set -- up
exec bin/omlab -root "$ROOT" "$@"
