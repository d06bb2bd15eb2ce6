# shellcheck shell=bash disable=SC2034 # the variables are start.sh and stop.sh's
# Sourced by start.sh and stop.sh: the demo service (examples/demo/service.hcl)
# spelled out for a shell. BENCH_LAB moves the paths the way bench.sh moves
# the service's copy (default: the demo's own lab, /var/tmp/omdemo).
LAB=${BENCH_LAB:-/var/tmp/omdemo}
IMG=$LAB/web-data.img
MNT=$LAB/mnt/web
IP=198.18.0.10
PREFIX=24
DEV=omdemo0
LAUNCHER=$LAB/bin/weblauncher
# The ip.host driver's default arp_probe_wait.
PROBE_WAIT=0.3
# The driver sends two announcements 50ms apart.
ANNOUNCE_WAIT=0.05
# umount of a busy mount point: retry every 50ms, for up to 3s.
UMOUNT_RETRY=0.05
UMOUNT_TRIES=60
