#!/usr/bin/env bash
# Make this machine ready for make test and make demo, which run it first.
#
# As root: install the Debian packages below that are missing (apt-get update
# once, then apt-get install -y of the missing ones, the VM packages without
# their recommends; output in /var/log/omhcl-setup.log), then start the
# container engines and libvirtd (scripts/engines.sh). Without root: say
# what is missing and which tests skip, install nothing, exit 0 so make test
# goes on as a user. Either way it prints one line of what it did, two
# without root. Running it again on a set machine only checks, in a
# fraction of a second.
#
# The test images are not made here: the tests import their busybox image
# into each engine themselves, once per engine, from /bin/busybox
# (testfixtures/containerlab), lxc builds its containers from
# busybox-static at each test, and the VM tests build their guest from the
# cloud kernel, busybox-static and qemu-ga (testfixtures/vmlab): nothing to
# download, nothing to gain ahead.
#
# scripts/setup.sh --list prints the packages, one a line:
# scripts/setup_test.go checks that README.md lists the same ones.
set -euo pipefail
cd "$(dirname "$0")/.."

# The Debian packages whose commands the tests, make demo and make bench run,
# and what for. This list and VM_PACKAGES below are the one list.
PACKAGES=(
	util-linux     # nsenter, unshare, flock, mountpoint, wipefs
	mount          # mount, umount, losetup: disk.loop, fs, the demo
	bsdutils       # script: om's editor test on a terminal
	procps         # pgrep, pkill: engines.sh, the e2e tests
	iproute2       # ip: network namespaces, veth pairs, addresses, the demo
	e2fsprogs      # mkfs.ext4, e2fsck: fs, the demo, the vmlab test guest's disk
	lvm2           # pvcreate, vgcreate, lvcreate, vgs, dmsetup: disk.vg, disk.lv
	btrfs-progs    # mkfs.btrfs, btrfs send and receive: sync.btrfs
	rsync          # sync.rsync through the data channel
	nftables       # nft: lossy links in the cluster lab
	curl           # engines.sh asks the engines' sockets whether they answer
	docker.io      # dockerd, docker: container.docker, encapsulated services
	podman         # podman's Docker-compatible API: container.podman
	lxc            # lxc-create, lxc-start, lxc-attach: container.lxc
	busybox-static # /bin/busybox: the test image, lxc's busybox template
	iputils-arping # arping: make bench's shell baseline
)

# The packages of the VM tests (container.kvm), installed without their
# recommends: libvirt-daemon-system's and qemu-system-x86's pull some 150
# more packages (a desktop's graphics and sound stack, firmware, swtpm) that
# a guest booted with no display does not use.
VM_PACKAGES=(
	libvirt-daemon-system   # libvirtd, virtlogd: container.kvm's guests
	libvirt-clients         # virsh, virt-admin: engines.sh asks libvirtd and virtlogd whether they answer; the vmlab test boots its guest with virsh
	qemu-system-x86         # qemu-system-x86_64: the guests, under libvirt and bare in the vmlab test
	linux-image-cloud-amd64 # /boot/vmlinuz-*-cloud-amd64 and its virtio modules: the test guest's kernel
	qemu-guest-agent        # qemu-ga: the agent inside the test guest
	tini                    # tini -s: the lab libvirtds' subreaper, reaping a guest's qemu at once as systemd would
)
ALL_PACKAGES=("${PACKAGES[@]}" "${VM_PACKAGES[@]}")

LOG=/var/log/omhcl-setup.log

if [ "${1:-}" = --list ]; then
	printf '%s\n' "${ALL_PACKAGES[@]}"
	exit 0
fi

# missing_packages NAME...: prints those of the packages named that are not
# installed, one a line, from a single dpkg-query (which names only the
# packages it knows: one it does not is missing too).
missing_packages() {
	local name ok status
	local -A installed=()
	while read -r name _ ok status; do
		[ "$ok $status" = "ok installed" ] && installed[$name]=1
	done < <(dpkg-query -W -f='${Package} ${Status}\n' "$@" 2>/dev/null || true)
	for name in "$@"; do
		[ -n "${installed[$name]:-}" ] || echo "$name"
	done
}

# answer_phrase NAME...: "dockerd, podman and libvirtd answer", "dockerd
# answers", or "no engine answers".
answer_phrase() {
	local head
	case $# in
	0) echo "no engine answers" ;;
	1) echo "$1 answers" ;;
	*)
		head=$(printf '%s, ' "${@:1:$#-1}")
		echo "${head%, } and ${*: -1} answer"
		;;
	esac
}

# answers SOCKET: whether an engine answers on SOCKET, to this user.
answers() {
	curl -sf --max-time 2 --unix-socket "$1" http://localhost/_ping >/dev/null 2>&1
}

if ! command -v dpkg-query >/dev/null; then
	echo "setup: not a Debian machine (no dpkg-query): nothing checked, installed or started; the tests run the commands of these Debian packages: ${ALL_PACKAGES[*]} (scripts/engines.sh starts the container engines and libvirtd)"
	exit 0
fi
mapfile -t missing_plain < <(missing_packages "${PACKAGES[@]}")
mapfile -t missing_vm < <(missing_packages "${VM_PACKAGES[@]}")
missing=("${missing_plain[@]}" "${missing_vm[@]}")

if [ "$(id -u)" != 0 ]; then
	if [ ${#missing[@]} -eq 0 ]; then
		what="all ${#ALL_PACKAGES[@]} packages present"
	else
		what="missing ${missing[*]}"
	fi
	reachable=()
	if command -v curl >/dev/null; then
		answers /var/run/docker.sock && reachable+=(dockerd)
		answers /run/podman/podman.sock && reachable+=(podman)
	fi
	what+="; $(answer_phrase "${reachable[@]}") to this user"
	echo "setup: not root, so nothing installed or started: $what"
	echo "setup: so the tests that need root skip (network namespaces, loop devices, mounts, LVM, lxc, the VMs, the cluster scenarios), and the docker and podman tests where their engine does not answer; as root, make test sets up and runs them all"
	exit 0
fi

did=()
if [ ${#missing[@]} -gt 0 ]; then
	export DEBIAN_FRONTEND=noninteractive
	if ! {
		apt-get update &&
			{ [ ${#missing_plain[@]} -eq 0 ] || apt-get install -y "${missing_plain[@]}"; } &&
			{ [ ${#missing_vm[@]} -eq 0 ] || apt-get install -y --no-install-recommends "${missing_vm[@]}"; }
	} >"$LOG" 2>&1; then
		echo "setup: apt-get install ${missing[*]} failed; the end of $LOG:" >&2
		tail -n 20 "$LOG" >&2
		exit 1
	fi
	mapfile -t still < <(missing_packages "${ALL_PACKAGES[@]}")
	if [ ${#still[@]} -gt 0 ]; then
		echo "setup: still missing after apt-get install (see $LOG): ${still[*]}" >&2
		exit 1
	fi
	did+=("installed ${missing[*]}")
fi

if ! out=$(scripts/engines.sh 2>&1); then
	echo "setup: scripts/engines.sh failed:" >&2
	echo "$out" >&2
	exit 1
fi
# engines.sh says "engines: NAME answers on ..." or "engines: NAME started, ...".
started=() up=()
while read -r _ name state _; do
	[ "$state" = started, ] && started+=("$name")
	up+=("$name")
done < <(grep -E '^engines: [^ ]+ (started,|answers) ' <<<"$out")
[ ${#started[@]} -gt 0 ] && did+=("started ${started[*]}")

engines=$(answer_phrase "${up[@]}")
if [ ${#did[@]} -eq 0 ]; then
	echo "setup: all set (${#ALL_PACKAGES[@]} packages present; $engines)"
else
	what=$(printf '%s; ' "${did[@]}")
	echo "setup: ${what%; } (${#ALL_PACKAGES[@]} packages present; $engines)"
fi
