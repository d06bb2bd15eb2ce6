# Seed 002's encapsulated service, on docker: the node (hv1) runs the
# container vm1; inside it, the agent (the node's own om, which the node
# installs there) plumbs the service address and runs the web server, the
# resources tagged encap. om status shows them folded under the container.
#
# To run it on a machine with docker: the engine needs busybox:latest
# (docker pull busybox), and the node must be named hv1 (OMHCL_NODE=hv1);
# then omplan examples/encap-docker, omapply, om svctest status, and
# docker exec vm1 om status for the container's own view. The address is
# on the container's loopback: try it with
#   docker exec vm1 wget -qO- http://198.18.0.2:8080/
service "svctest" {
  nodes      = ["hv1"]
  encapnodes = ["vm1"]
  # seed 002's nodes@encapnodes = vm1: inside, vm1 is the service's node
  on "@encapnodes" {
    nodes = ["vm1"]
  }

  # The node's level. The container's host name is its encap node name.
  container "0" {
    type         = "docker"
    name         = "vm1"
    hostname     = "vm1"
    image        = "busybox:latest"
    command      = ["sleep", "2147483647"]
    cap_add      = ["NET_ADMIN"] # the agent inside plumbs addresses
    rm           = true
    stop_timeout = "2s"
  }

  # The encapsulated level, driven by the agent in vm1.
  ip "2" {
    ipname  = "198.18.0.2"
    ipdev   = "lo"
    netmask = "32"
    tags    = ["encap"]
  }

  app "web" {
    type    = "simple"
    start   = "/bin/httpd -f -p 198.18.0.2:8080 -h /etc"
    monitor = true
    restart = 1
    tags    = ["encap"]
  }
}
