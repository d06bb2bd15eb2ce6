service "flex" {
  nodes    = ["node1", "node2", "node3"]
  topology = "flex"
  flex_min = 2
  flex_max = 3
  placement = "spread"
  monitor_action = "freezestop"
  orchestrate = "ha"
  ip "0" {
    type  = "ltip"
    ipdev = "eth0"
    on "node1" { ipname = "ipname1" }
    on "node2" { ipname = "ipname2" }
    on "node3" { ipname = "ipname3" }
  }
}
