# Seed 001, "Failover with application installed as micro-containers": the
# micro-containers share the network namespace of a pause container, where
# the service plumbs its public address.
#
#   [DEFAULT]
#   nodes = n1 n2
#   drpnodes = n3
#   docker_data_dir = /srv/svc1/docker_data_dir
#
#   [ip#0]
#   type = netns
#   ipdev = eth0
#   ipname = 10.0.3.3
#   netmask = 255.255.255.0
#   gateway = 10.0.3.1
#   netns = container#0
#
#   [container#0]
#   type = docker
#   image = ghcr.io/opensvc/pause
#   rm = true
#
#   [container#1]
#   type = docker
#   image = nginx
#   netns = container#0
#
# The ip refers to container 0's namespace, so it starts after it, although
# addresses normally start before containers; container 1 shares that
# namespace (docker --net container:...). The seed's docker_data_dir is the
# engine's configuration (dockerd --data-root), not the service's: the
# container.docker driver talks to the engine on its socket.
# To run it on a node of your own: the engine must hold the images
# (ghcr.io/opensvc/pause and nginx: docker pull them, or set image to a
# local one), eth0 must be on 10.0.3.0/24, and the node named n1 (or
# OMHCL_NODE=n1); then omplan examples/docker-netns and omapply. The
# cluster tests run the same pattern with a local busybox image
# (docs/containers.md).
service "svc1" {
  nodes    = ["n1", "n2"]
  drpnodes = ["n3"]

  ip "0" {
    type    = "netns"
    ipdev   = "eth0"
    ipname  = "10.0.3.3"
    netmask = "255.255.255.0"
    gateway = "10.0.3.1"
    # the seed's netns = container#0: the namespace of container 0, which
    # also orders the ip after it
    netns = container.0.netns_path
  }

  container "0" {
    type  = "docker"
    image = "ghcr.io/opensvc/pause"
    rm    = true
  }

  container "1" {
    type  = "docker"
    image = "nginx"
    netns = container.0.rid
  }
}
