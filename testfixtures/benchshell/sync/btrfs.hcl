# The sync.btrfs service of make bench's sync part (scripts/bench-sync.sh),
# written for the lab's default root (/var/tmp/omlab), which `lab deploy`
# replaces with the bench lab's: a 384 MiB btrfs loop filesystem per node,
# mounted on the standby node too, and the subvolume "data" in it, sent
# to node2 as incremental snapshots. The bench fills the subvolume with the
# same files as bsync's, then times `om bbtrfs sync update` on node1. The
# interval is long: the daemon's schedule syncs once, then leaves every
# sync to the bench.
service "bbtrfs" {
  nodes = ["node1", "node2"]

  disk "d" {
    type    = "loop"
    file    = "/var/tmp/omlab/${node.name}-bbtrfs.img"
    size    = "384m"
    standby = true
  }

  fs "data" {
    type    = "btrfs"
    dev     = disk.d.exposed_devs[0]
    mnt     = "/var/tmp/omlab/${node.name}/bbtrfs"
    standby = true
  }

  sync "data" {
    type     = "btrfs"
    src      = ["${fs.data.mnt}/data"]
    target   = ["nodes"]
    interval = "24h"
    keep     = 2
  }
}
