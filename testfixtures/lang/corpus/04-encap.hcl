service "svctest" {
  encapnodes = ["vm1"]
  nodes      = ["hv1", "hv2"]
  on "@encapnodes" {
    nodes = ["vm1"]
  }
  container "0" {
    type    = "kvm"
    name    = "vm1"
    standby = true
  }
  fs "1" {
    type = "ltfs"
    dev  = "/dev/mapper/vgdata-tools"
    mnt  = "/srv/svctest/tools"
    tags = ["encap"]
  }
}
