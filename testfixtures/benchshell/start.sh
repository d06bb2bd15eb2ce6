#!/usr/bin/env bash
# The shell baseline of make bench: start the demo service by hand, the way
# an operator would script it, run in the node's network namespace. No state,
# no idempotence, no rollback: the cheapest start there is.
set -euo pipefail
# shellcheck source=testfixtures/benchshell/env.sh
. "$(dirname "$0")/env.sh"

# Conflict probe. iputils arping takes whole seconds for -w, so timeout cuts
# it at the driver's wait; SIGINT makes arping exit with its verdict:
# 0 no answer, 1 someone holds the address.
if ! timeout --preserve-status -s INT "$PROBE_WAIT" arping -q -D -c 1 -w 1 -I "$DEV" "$IP"; then
	echo "start: $IP is in use on $DEV" >&2
	exit 1
fi
ip addr add "$IP/$PREFIX" dev "$DEV"
# Gratuitous ARP; arping -U lingers a second after its last packet.
timeout --preserve-status -s INT "$ANNOUNCE_WAIT" arping -q -U -c 2 -I "$DEV" -s "$IP" "$IP"

loopdev=$(losetup -f --show "$IMG")
e2fsck -p "$loopdev" >/dev/null
mkdir -p "$MNT"
mount -t ext4 "$loopdev" "$MNT"

"$LAUNCHER" start "$MNT" "$IP:8080" >/dev/null
