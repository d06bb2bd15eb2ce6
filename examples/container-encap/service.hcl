# Seed 000/001, "Failover with application installed in a container with
# service encapsulation": the container runs on every hypervisor (standby),
# and the service address is managed inside the container, by the
# encapsulated service (tags = ["encap"]).
#
#   [container#0]
#   name = vm1
#   standby = true          (seed 000: always_on = nodes drpnodes)
#
#   [ip#0]
#   ipname = ipname1
#   ipdev = eth0
#   tags = encap
service "svcencap" {
  nodes      = ["hv1", "hv2"]
  encapnodes = ["vm1"]
  on "@encapnodes" {
    nodes = ["vm1"]
  }

  container "0" {
    type    = "kvm"
    name    = "vm1"
    standby = true
  }

  ip "0" {
    ipname = "ipname1"
    ipdev  = "eth0"
    tags   = ["encap"]
  }
}
