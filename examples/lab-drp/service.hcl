# The lab's HA web service with a disaster-recovery node (issue 9): node1
# and node2 run it, node3 is its drpnode: the daemons never start it there
# on their own, an operator does, with `om web takeover` on node3. Each
# node has its own btrfs filesystem, mounted on the nodes not running the
# service too (standby = true), and sync.btrfs sends the subvolume the
# site lives in to the other nodes and the drpnode every 2 seconds, as
# incremental snapshots. What a takeover loses is what was written after
# the last sync that reached the node (docs/sync.md).
# Paths are per node (${node.name}) because the lab's nodes share one
# filesystem; on real nodes they would be the same on every node.
service "web" {
  nodes       = ["node1", "node2"]
  drpnodes    = ["node3"]
  app         = "lab web site, data sent to a drp node"
  orchestrate = "ha"

  ip "web" {
    ipname = "198.18.10.100/24"
    ipdev  = "eth0"
  }

  disk "data" {
    type    = "loop"
    file    = "/var/tmp/omlab/${node.name}-btrfs.img"
    size    = "128m"
    standby = true
  }

  fs "data" {
    type    = "btrfs"
    dev     = disk.data.exposed_devs[0]
    mnt     = "/var/tmp/omlab/${node.name}/data"
    standby = true
  }

  # the subvolume is made at the first start (provisioning), and received
  # on the other nodes
  sync "site" {
    type     = "btrfs"
    src      = ["${fs.data.mnt}/site"]
    target   = ["nodes", "drpnodes"]
    interval = "2s"
    keep     = 2
  }

  app "web" {
    type  = "simple"
    start = "/var/tmp/omlab/bin/demoweb serve -root ${sync.site.src[0]} -addr ${ip.web.ipaddr}:8080"
  }
}
