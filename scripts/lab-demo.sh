# shellcheck shell=bash
# Sourced by scripts/demo.sh and scripts/bench.sh: the throwaway lab the demo
# service (examples/demo) runs in.
#
# The lab: network namespace omdemo-node (the node's side, where the service
# address is plumbed and the engine runs) joined by a veth pair to
# omdemo-client (where curl runs), and the launcher in $LAB/bin. Nothing
# touches the host's interfaces. The paths are those examples/demo uses.
#
# Callers set BIN to the directory holding the built binaries and run from
# the repository root. LAB_PREFIX (default omdemo) names the namespaces and
# the lab directory: make bench sets its own, so it can run beside make demo
# (the veth ends are inside the namespaces: their names never collide).

LAB_PREFIX=${LAB_PREFIX:-omdemo}
LAB=/var/tmp/$LAB_PREFIX
LAB_NODE_NS=$LAB_PREFIX-node
LAB_CLIENT_NS=$LAB_PREFIX-client

# in_node runs a command in the node's network namespace. nsenter --net
# keeps the host's mount namespace, so filesystems stay mounted between
# commands.
in_node() { nsenter --net=/run/netns/"$LAB_NODE_NS" "$@"; }

in_client() { ip netns exec "$LAB_CLIENT_NS" "$@"; }

lab_up() {
	ip netns add "$LAB_NODE_NS"
	ip netns add "$LAB_CLIENT_NS"
	ip link add omdemo0 netns "$LAB_NODE_NS" type veth peer name omdemo1 netns "$LAB_CLIENT_NS"
	ip -n "$LAB_NODE_NS" link set lo up
	ip -n "$LAB_NODE_NS" link set omdemo0 up
	ip -n "$LAB_NODE_NS" addr add 198.18.0.1/24 dev omdemo0
	ip -n "$LAB_CLIENT_NS" link set lo up
	ip -n "$LAB_CLIENT_NS" link set omdemo1 up
	ip -n "$LAB_CLIENT_NS" addr add 198.18.0.2/24 dev omdemo1
	mkdir -p "$LAB/bin"
	cp "$BIN/demoweb" testfixtures/demoweb/weblauncher "$LAB/bin/"
}

# lab_down removes what a run may have left in the lab (the web server, the
# demo mount, loop devices on its images), the namespaces and $LAB. It never
# fails, so it is safe in an EXIT trap and before lab_up.
lab_down() {
	local img dev
	if [ -x "$LAB/bin/weblauncher" ]; then
		"$LAB/bin/weblauncher" stop "$LAB/mnt/web" >/dev/null 2>&1 || true
	fi
	lab_umount "$LAB/mnt/web"
	for img in "$LAB"/*.img; do
		[ -e "$img" ] || continue
		for dev in $(losetup -n -O NAME -j "$img" 2>/dev/null); do
			losetup -d "$dev" 2>/dev/null || true
		done
	done
	ip netns del "$LAB_NODE_NS" 2>/dev/null || true
	ip netns del "$LAB_CLIENT_NS" 2>/dev/null || true
	if mountpoint -q "$LAB/mnt/web" 2>/dev/null; then
		echo "lab: $LAB/mnt/web is still mounted (busy?): $LAB left in place" >&2
		return 0
	fi
	rm -rf "$LAB"
}

# lab_umount unmounts dir if mounted, giving a process that was just told to
# stop up to 2s to let go of it. It never fails: lab_down reports a mount
# that stays.
lab_umount() {
	local tries=0
	while mountpoint -q "$1" 2>/dev/null && ! umount "$1" 2>/dev/null; do
		tries=$((tries + 1))
		[ "$tries" -ge 20 ] && break
		sleep 0.1
	done
	return 0
}
