#!/usr/bin/env bash
# make bench's shell baseline of the micro-container service: a pause
# container, a macvlan with the service address moved into its namespace,
# httpd sharing it. Run in the node's network namespace.
set -euo pipefail
# shellcheck source=testfixtures/benchshell/micro/env.sh
. "$(dirname "$0")/env.sh"

"$DOCKER" run -d --name "$PAUSE" --net none "$IMG" sleep 86400 >/dev/null
pid=$("$DOCKER" inspect -f '{{.State.Pid}}' "$PAUSE")

# Conflict probe on the node's link, as ip.netns does (see ../start.sh).
if ! timeout --preserve-status -s INT "$PROBE_WAIT" arping -q -D -c 1 -w 1 -I "$DEV" "$IP"; then
	echo "start: $IP is in use on $DEV" >&2
	exit 1
fi
tmp=bmv$$
ip link add link "$DEV" name "$tmp" type macvlan mode bridge
ip link set "$tmp" netns "$pid"
nsenter --net=/proc/"$pid"/ns/net ip link set "$tmp" name eth0
nsenter --net=/proc/"$pid"/ns/net ip addr add "$IP/$PREFIX" dev eth0
nsenter --net=/proc/"$pid"/ns/net ip link set eth0 up
nsenter --net=/proc/"$pid"/ns/net timeout --preserve-status -s INT "$ANNOUNCE_WAIT" arping -q -U -c 2 -I eth0 -s "$IP" "$IP"

"$DOCKER" run -d --name "$WEB" --net container:"$PAUSE" -v "$WWW:/www:ro" "$IMG" httpd -f -p 8080 -h /www >/dev/null
