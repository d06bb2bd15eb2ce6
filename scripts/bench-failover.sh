#!/usr/bin/env bash
# make bench-failover (and the end of make bench): failover time of the lab's
# HA service after its node dies, over BENCH_FAILOVER_TRIALS (20) trials with
# the fast profile, BENCH_FAILOVER_DEFAULT_TRIALS (5) with the default one and
# BENCH_FAILOVER_DOCKER_TRIALS (10) with the app in docker (examples/lab-docker),
# BENCH_FAILOVER_KVM_TRIALS (10) with the service in a virtual machine
# (examples/lab-kvm: a libvirtd per node, the guest emulated by TCG)
# (min, median, p95), and the daemons' idle RSS and CPU over
# BENCH_FAILOVER_IDLE (10s). Figures printed, never asserted. Each profile
# runs in a 3-node lab of its own (testfixtures/clusterlab, `lab bench`).
# BENCH_FAILOVER_DOC=docs/bench-failover.md also writes the method and
# figures there. docs/bench-failover.md has the method and figures.
set -euo pipefail
cd "$(dirname "$0")/.."

if [ "$(id -u)" != 0 ]; then
	echo "== failover bench skipped: it needs root for network namespaces"
	exit 0
fi
for b in om omapply omplan demoweb; do
	[ -x "bin/$b" ] || { echo "bench-failover: bin/$b is missing: run make build" >&2; exit 1; }
done
WORK=$(mktemp -d /var/tmp/ombench-failover.XXXXXX)
trap 'rm -rf "$WORK"' EXIT
CGO_ENABLED=0 go build -o "$WORK/lab" ./testfixtures/clusterlab/cmd/lab

DOCKER_TRIALS=${BENCH_FAILOVER_DOCKER_TRIALS:-10}
if ! command -v dockerd >/dev/null; then
	echo "== the app-in-docker trials skipped: no dockerd (Debian's docker.io)"
	DOCKER_TRIALS=0
fi
KVM_TRIALS=${BENCH_FAILOVER_KVM_TRIALS:-10}
for c in libvirtd virtlogd virsh qemu-system-x86_64; do
	if [ "$KVM_TRIALS" != 0 ] && ! command -v "$c" >/dev/null; then
		echo "== the kvm trials skipped: no $c (scripts/setup.sh installs the VM packages)"
		KVM_TRIALS=0
	fi
done
if [ "$KVM_TRIALS" != 0 ] && ! { ls /boot/vmlinuz-*-cloud-amd64 && [ -x /bin/busybox ] && [ -x /usr/sbin/qemu-ga ]; } >/dev/null 2>&1; then
	echo "== the kvm trials skipped: the test guest cannot be built here (a cloud kernel, busybox-static and qemu-guest-agent: scripts/setup.sh)"
	KVM_TRIALS=0
fi
args=(-trials "${BENCH_FAILOVER_TRIALS:-20}" -default-trials "${BENCH_FAILOVER_DEFAULT_TRIALS:-5}" -docker-trials "$DOCKER_TRIALS" -kvm-trials "$KVM_TRIALS" -idle "${BENCH_FAILOVER_IDLE:-10s}")
[ -n "${BENCH_FAILOVER_DOC:-}" ] && args+=(-doc "$BENCH_FAILOVER_DOC")
echo "== failover bench on $(uname -n): $(nproc) cpus, $(awk '{ print "load " $1 " " $2 " " $3 }' /proc/loadavg)"
"$WORK/lab" -bin bin bench "${args[@]}"
