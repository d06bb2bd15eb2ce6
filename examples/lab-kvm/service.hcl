# The lab's HA web service in a virtual machine: a container.kvm guest run
# by the node's own libvirtd (each node of `scripts/lab.sh up -kvm` runs
# one in its network namespace, found through LIBVIRT_DEFAULT_URI), its
# network card on the node's bridge kvmbr0, which is plugged into the
# lab's switch. The guest holds the service address itself: 198.18.10.100
# is set inside it from its kernel command line (omhcl.ip), so the address
# moves with the guest; the node plumbs nothing. Its web page is busybox
# httpd on port 8080, started by the lab guest's boot hook.
#
# The kernel and initramfs are one copy every node boots, at the same
# path (the lab puts vmlab's test guest in /var/tmp/omlab/vm). The guest
# is the same on every node: same definition, UUID and MAC, so a client's
# ARP entry stays right when it moves. It is emulated (accel = "tcg"):
# KVM does not run on the lab's machines; it boots to its agent in about
# 3 s.
#
# The monitor follows the guest through libvirt's lifecycle events: a
# guest that dies or powers off is started again in place once, then the
# service moves (monitor_action = "switch").
service "web" {
  nodes          = ["node1", "node2", "node3"]
  app            = "lab web site, in a virtual machine"
  orchestrate    = "ha"
  monitor_action = "switch"

  container "vm" {
    type    = "kvm"
    kernel  = "/var/tmp/omlab/vm/vmlinuz"
    initrd  = "/var/tmp/omlab/vm/initrd.gz"
    cmdline = "console=ttyS0 quiet panic=-1 omhcl.hostname=web omhcl.ip=198.18.10.100/24"
    memory  = "256M"
    vcpus   = 1
    bridge  = "kvmbr0"
    accel   = "tcg"

    start_timeout = "60s"
    # a clean shutdown through the guest agent takes 3 to 4 s
    stop_timeout = "10s"
    monitor      = true
    restart      = 1
  }
}
