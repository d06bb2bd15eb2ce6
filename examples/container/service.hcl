# Seed 000, "Failover with application installed in a container": the
# service drives a container; the middlewares inside bind the container's
# own address.
#
#   [container#0]
#   name = vm1
#
# The seed leaves the container type out; vm1 is a virtual machine here.
# kvm has no driver yet (docker, podman and lxc do: docs/containers.md):
# the block is parsed and carried, with a warning that it cannot start.
service "svcvm" {
  nodes = ["hv1", "hv2"]

  container "0" {
    type = "kvm"
    name = "vm1"
  }
}
