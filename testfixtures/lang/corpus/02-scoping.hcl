service "s" {
  nodes      = ["n1", "n2"]
  drpnodes   = ["d1"]
  encapnodes = ["vm1"]
  on "@encapnodes" { nodes = ["vm1"] }
  on "n1" { app = "first" }
  ip "0" {
    type  = "ltip"
    ipdev = "eth0"
    on "@nodes" { ipname = "a.example" }
    on "@drpnodes" { ipname = "b.example" }
    on "n2" {
      ipname  = "198.18.0.2"
      netmask = "24"
    }
  }
}
