# The lab's HA web service with its data synced between the nodes, which
# share no storage (issue 9): each node has its own loop disk and
# filesystem, mounted on the standby nodes too (standby = true), and
# sync.rsync copies the running node's filesystem to the others every
# second, through the cluster's data channel. demoweb serves the files of
# that filesystem: when the node running it dies, another node serves
# what the last sync copied (writes after it are lost: docs/sync.md).
# Paths are per node (${node.name}) because the lab's nodes share one
# filesystem; on real nodes they would be the same on every node.
service "web" {
  nodes       = ["node1", "node2", "node3"]
  app         = "lab web site, data synced"
  orchestrate = "ha"

  ip "web" {
    ipname = "198.18.10.100/24"
    ipdev  = "eth0"
  }

  disk "data" {
    type    = "loop"
    file    = "/var/tmp/omlab/${node.name}-data.img"
    size    = "32m"
    standby = true
  }

  fs "data" {
    type    = "ext4"
    dev     = disk.data.exposed_devs[0]
    mnt     = "/var/tmp/omlab/${node.name}/data"
    standby = true
  }

  app "web" {
    type  = "simple"
    start = "/var/tmp/omlab/bin/demoweb serve -root ${fs.data.mnt} -addr ${ip.web.ipaddr}:8080"
  }

  sync "data" {
    src      = [fs.data.mnt]
    target   = ["nodes"]
    interval = "1s"
  }
}
