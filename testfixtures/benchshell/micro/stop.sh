#!/usr/bin/env bash
# make bench's shell baseline: stop and remove what micro/start.sh started,
# in reverse, as the drivers do (rm = true).
set -euo pipefail
# shellcheck source=testfixtures/benchshell/micro/env.sh
. "$(dirname "$0")/env.sh"

"$DOCKER" stop -t "$STOP_TIMEOUT" "$WEB" >/dev/null
"$DOCKER" rm "$WEB" >/dev/null
pid=$("$DOCKER" inspect -f '{{.State.Pid}}' "$PAUSE")
nsenter --net=/proc/"$pid"/ns/net ip link del eth0
"$DOCKER" stop -t "$STOP_TIMEOUT" "$PAUSE" >/dev/null
"$DOCKER" rm "$PAUSE" >/dev/null
