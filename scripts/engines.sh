#!/usr/bin/env bash
# Start the engines the container tests drive, if they are not running
# yet: dockerd on /var/run/docker.sock, podman's Docker-compatible API
# service on /run/podman/podman.sock, and libvirtd on
# /run/libvirt/libvirt-sock (container.kvm, testfixtures/vmlab). scripts/setup.sh
# calls it (make test, make demo); it also runs on its own (root). It prints
# one line per engine: "engines: dockerd answers on SOCKET", or "engines:
# dockerd started, answers on SOCKET" when it had to start it. Logs:
# /var/log/omhcl-*.log.
#
# podman needs a containers.conf without default ulimits on machines that
# lack CAP_SYS_RESOURCE (../shared/NOTES.md): it is written to
# /etc/omhcl/containers.conf and passed as CONTAINERS_CONF.
set -euo pipefail

# pings SOCKET: whether dockerd or podman answers on SOCKET.
pings() {
	curl -sf --max-time 2 --unix-socket "$1" http://localhost/_ping >/dev/null 2>&1
}

# libvirt_answers: whether libvirtd opens qemu:///system, its QEMU driver
# answering (virsh version asks it the QEMU version).
libvirt_answers() {
	timeout 5 virsh -c qemu:///system version >/dev/null 2>&1
}

# virtlogd_answers: whether virtlogd, which keeps each guest's console log
# for libvirtd's QEMU driver, answers on its admin socket.
virtlogd_answers() {
	timeout 5 virt-admin -c virtlogd:///system server-list >/dev/null 2>&1
}

wait_socket() { # SOCKET WHAT [CHECK]
	local check=${3:-pings}
	for _ in $(seq 1 100); do
		if "$check" "$1"; then
			return 0
		fi
		sleep 0.2
	done
	echo "engines: $2 did not answer on $1 within 20 s (see /var/log/omhcl-$2.log)" >&2
	return 1
}

# restart_stale PATTERN SOCKET WHAT: stop an engine that runs from a
# deleted directory (started from a clone removed since): the processes it
# starts inherit that directory, and podman's conmon then fails every
# container start ("Failed to get working directory").
restart_stale() {
	local pid pids=()
	for pid in $(pgrep -f "$1" || true); do
		[[ $(readlink "/proc/$pid/cwd" 2>/dev/null) == *" (deleted)" ]] && pids+=("$pid")
	done
	[ ${#pids[@]} -eq 0 ] && return 0
	echo "engines: $3 runs from a deleted directory: restarting it"
	kill "${pids[@]}" 2>/dev/null || true
	for _ in $(seq 1 100); do
		kill -0 "${pids[@]}" 2>/dev/null || break
		sleep 0.2
	done
	rm -f "$2"
}

# Engines start from /, which no clone removes.
cd /

if command -v dockerd >/dev/null; then
	restart_stale '^dockerd' /var/run/docker.sock dockerd
	state=answers
	if ! pings /var/run/docker.sock; then
		nohup dockerd --host unix:///var/run/docker.sock >/var/log/omhcl-dockerd.log 2>&1 &
		wait_socket /var/run/docker.sock dockerd
		state="started, answers"
	fi
	echo "engines: dockerd $state on /var/run/docker.sock"
fi

if command -v podman >/dev/null; then
	mkdir -p /etc/omhcl /run/podman
	conf=/etc/omhcl/containers.conf
	[ -e "$conf" ] || printf '[containers]\ndefault_ulimits = []\n' >"$conf"
	restart_stale '^podman system service' /run/podman/podman.sock podman
	state=answers
	if ! pings /run/podman/podman.sock; then
		CONTAINERS_CONF=$conf nohup podman system service --time=0 unix:///run/podman/podman.sock >/var/log/omhcl-podman.log 2>&1 &
		wait_socket /run/podman/podman.sock podman
		state="started, answers"
	fi
	echo "engines: podman $state on /run/podman/podman.sock"
fi

# libvirtd, and first virtlogd, which its QEMU driver needs to start a
# guest (systemd would start it on demand: there may be no systemd here).
# Both run in the foreground of nohup, logging to /var/log/omhcl-*.log.
if command -v libvirtd >/dev/null && command -v virsh >/dev/null; then
	restart_stale '^(/usr/sbin/)?virtlogd( |$)' /run/libvirt/virtlogd-sock virtlogd
	restart_stale '^(/usr/sbin/)?libvirtd( |$)' /run/libvirt/libvirt-sock libvirtd
	if ! virtlogd_answers; then
		nohup virtlogd >/var/log/omhcl-virtlogd.log 2>&1 &
		wait_socket /run/libvirt/virtlogd-sock virtlogd virtlogd_answers
	fi
	state=answers
	if ! libvirt_answers; then
		nohup libvirtd >/var/log/omhcl-libvirtd.log 2>&1 &
		wait_socket /run/libvirt/libvirt-sock libvirtd libvirt_answers
		state="started, answers"
	fi
	echo "engines: libvirtd $state on /run/libvirt/libvirt-sock"
fi
