# shellcheck shell=bash disable=SC2034 # the variables are start.sh and stop.sh's
# Sourced by micro/start.sh and micro/stop.sh: the micro-container service of
# make bench (scripts/bench-micro.sh) spelled out for a shell. BENCH_WWW is
# the page's directory, DOCKER the CLI that answers the engine.
DOCKER=${DOCKER:-/usr/bin/docker}
IMG=omhcl-busybox:local
PAUSE=benchsh-pause
WEB=benchsh-web
WWW=${BENCH_WWW:?BENCH_WWW names the page directory}
IP=198.18.4.10
PREFIX=24
DEV=ommicro0
# The ip.netns driver's default arp_probe_wait and its two announcements.
PROBE_WAIT=0.3
ANNOUNCE_WAIT=0.05
# The service's stop_timeout.
STOP_TIMEOUT=1
