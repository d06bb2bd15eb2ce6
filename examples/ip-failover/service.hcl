# Seed 000, "Failover": one service address, its name depending on the site.
#
#   [ip#0]
#   ipname@nodes = ipname1
#   ipname@drpnodes = ipname2
#   ipdev = eth0
service "ipfailover" {
  nodes    = ["node1", "node2"]
  drpnodes = ["drp1"]

  ip "0" {
    ipdev = "eth0"
    on "@nodes" {
      ipname = "ipname1"
    }
    on "@drpnodes" {
      ipname = "ipname2"
    }
  }
}
