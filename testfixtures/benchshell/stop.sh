#!/usr/bin/env bash
# The shell baseline of make bench: stop what start.sh started, in reverse.
set -euo pipefail
# shellcheck source=testfixtures/benchshell/env.sh
. "$(dirname "$0")/env.sh"

"$LAUNCHER" stop "$MNT"
# The launcher signals the server and returns: the mount stays busy until
# the server has exited, so retry the umount a little while.
tries=0
until out=$(umount "$MNT" 2>&1); do
	tries=$((tries + 1))
	if [[ $out != *busy* || $tries -ge $UMOUNT_TRIES ]]; then
		echo "stop: $out" >&2
		exit 1
	fi
	sleep "$UMOUNT_RETRY"
done
for loopdev in $(losetup -n -O NAME -j "$IMG"); do
	losetup -d "$loopdev"
done
ip addr del "$IP/$PREFIX" dev "$DEV"
