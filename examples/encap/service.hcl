# Seed 002, "Encapsulation": the hypervisors hv1 and hv2 drive the container
# vm1; inside vm1, the same service is seen with vm1 as its only node.
#
#   [DEFAULT]
#   encapnodes = vm1
#   nodes@encapnodes = vm1
#   nodes = hv1 hv2
#
#   [fs#1]
#   dev = /dev/mapper/vgdata-tools
#   mnt = /srv/svctest/tools
#   type = ext4
#   mnt_opt = rw,relatime
#   tags = encap
service "svctest" {
  encapnodes = ["vm1"]
  nodes      = ["hv1", "hv2"]
  on "@encapnodes" {
    nodes = ["vm1"]
  }

  # Driven at the hypervisor level.
  container "0" {
    type = "kvm"
    name = "vm1"
  }

  # Driven by the agent in vm1: the encap tag hides it from the
  # hypervisors.
  fs "1" {
    type    = "ext4"
    dev     = "/dev/mapper/vgdata-tools"
    mnt     = "/srv/svctest/tools"
    mnt_opt = "rw,relatime"
    tags    = ["encap"]
  }
}
