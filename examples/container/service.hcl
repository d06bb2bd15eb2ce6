# Seed 000, "Failover with application installed in a container": the
# service drives a container; the middlewares inside bind the container's
# own address.
#
#   [container#0]
#   name = vm1
#
# The seed leaves the container type out; vm1 is a virtual machine here,
# a libvirt domain taken as libvirt has it (docs/containers-kvm.md).
service "svcvm" {
  nodes = ["hv1", "hv2"]

  container "0" {
    type = "kvm"
    name = "vm1"
  }
}
