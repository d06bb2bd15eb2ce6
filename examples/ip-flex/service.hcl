# Seed 000, "Flex with instance ip": every node runs an instance of the
# service, each binding its own address.
#
#   [ip#0]
#   ipname@node1 = ipname1
#   ipname@node2 = ipname2
#   ipname@node3 = ipname3
#   ipdev = eth0
service "ipflex" {
  nodes    = ["node1", "node2", "node3"]
  topology = "flex"

  ip "0" {
    ipdev = "eth0"
    on "node1" {
      ipname = "ipname1"
    }
    on "node2" {
      ipname = "ipname2"
    }
    on "node3" {
      ipname = "ipname3"
    }
  }
}
