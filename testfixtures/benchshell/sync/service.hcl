# The synced service of make bench's sync part (scripts/bench-sync.sh),
# written for the lab's default root (/var/tmp/omlab), which `lab deploy`
# replaces with the bench lab's: a 128 MiB ext4 loop filesystem per node,
# mounted on the standby node too (standby = true), where the syncs land.
# The bench fills it with 100 MiB of files, then times `om bsync sync
# update` on node1. The interval is long: the daemon's own schedule syncs
# once (the empty filesystem, as soon as node2's is mounted), then leaves
# every sync to the bench.
service "bsync" {
  nodes = ["node1", "node2"]

  disk "d" {
    type    = "loop"
    file    = "/var/tmp/omlab/${node.name}-bsync.img"
    size    = "128m"
    standby = true
  }

  fs "data" {
    type    = "ext4"
    dev     = disk.d.exposed_devs[0]
    mnt     = "/var/tmp/omlab/${node.name}/bsync"
    standby = true
  }

  sync "data" {
    src      = [fs.data.mnt]
    target   = ["nodes"]
    interval = "24h"
  }
}
