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
# container.docker has no driver yet on this branch: its blocks are parsed
# and carried, with warnings. ip.netns has one (docs/ip-netns.md), which
# wants the namespace path, container.0.netns_path, once the docker driver
# exposes it: it refuses container.0.rid (a rid is not a namespace). The ip
# refers to container 0, so it starts after it, although addresses
# normally start before containers.
service "svc1" {
  nodes    = ["n1", "n2"]
  drpnodes = ["n3"]

  ip "0" {
    type    = "netns"
    ipdev   = "eth0"
    ipname  = "10.0.3.3"
    netmask = "255.255.255.0"
    gateway = "10.0.3.1"
    netns   = container.0.rid
  }

  # docker_data_dir is a service setting in the seed; the docker driver
  # will own it, so it is carried on the container that starts first.
  container "0" {
    type            = "docker"
    image           = "ghcr.io/opensvc/pause"
    rm              = true
    docker_data_dir = "/srv/svc1/docker_data_dir"
  }

  container "1" {
    type  = "docker"
    image = "nginx"
    netns = container.0.rid
  }
}
