# Seed 002's first topology, "failover - single node", with a virtual
# machine: the HA service at the node level drives one KVM guest, vm1,
# on one of the three lab nodes at a time; inside it, the service is seen
# with vm1 as its only node, and its address and web server run there,
# driven by the agent the node reaches through the QEMU guest agent. When
# the node running it dies, another node boots the guest from the same
# kernel and initramfs (one copy every node sees, /var/tmp/omlab/vm) and,
# through the agent, brings the level inside up again.
#
# Each node of `scripts/lab.sh up -kvm` runs a libvirtd of its own in its
# namespace (found through LIBVIRT_DEFAULT_URI), the guest's card on the
# node's bridge kvmbr0, plugged into the lab's switch. The guest is
# emulated (accel = "tcg": KVM does not run on the lab's machines). The
# lab's guest image carries the node's om at /usr/local/bin/om, where the
# agent goes: the node copies nothing into it.
service "web" {
  nodes          = ["node1", "node2", "node3"]
  encapnodes     = ["vm1"]
  app            = "lab web site, encapsulated in a virtual machine"
  orchestrate    = "ha"
  monitor_action = "switch"

  # Inside vm1 the service has vm1 as its node: nodes@encapnodes.
  on "@encapnodes" {
    nodes = ["vm1"]
  }

  # The node level: the guest, whose host name makes it the encap node
  # vm1. No address on its kernel command line: the level inside plumbs
  # the service's. The fence of a node that loses its quorum pauses and
  # destroys it at once (docs/cluster.md).
  container "vm" {
    type     = "kvm"
    hostname = "vm1"
    kernel   = "/var/tmp/omlab/vm/vmlinuz"
    initrd   = "/var/tmp/omlab/vm/initrd.gz"
    cmdline  = "console=ttyS0 quiet panic=-1 omhcl.hostname=vm1"
    bridge   = "kvmbr0"
    accel    = "tcg"

    start_timeout = "60s"
    stop_timeout  = "10s"
    monitor       = true
    restart       = 1
  }

  # The level inside vm1 (tags = ["encap"]): the node leaves these alone
  # and its agent in vm1 drives them, after the guest starts and before
  # it stops.
  ip "web" {
    ipname = "198.18.10.100/24"
    ipdev  = "eth0"
    tags   = ["encap"]
  }

  app "web" {
    type    = "simple"
    start   = "/bin/busybox httpd -f -p 8080 -h /www"
    monitor = true
    tags    = ["encap"]
  }
}
