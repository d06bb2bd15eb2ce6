# Seed 002's first topology, "failover - single node", on the lab: the HA
# service at the node level drives one docker container, vm1, on one of
# the three nodes at a time; inside it, the service is seen with vm1 as
# its only node, and its address and web app run there, driven by the
# agent the node installs in the container (its own om, copied to
# /usr/local/bin/om on first use). When the node running it dies, another
# node starts the container and, through the agent, the level inside:
# served again 3.7 to 5.2 s after the death in the cluster tests, against
# 2.6 s for examples/lab-docker; mounting the node's om read only at
# /usr/local/bin/om instead (as examples/lab-encap-farmed-* do) spares the
# copy of om into every new container: 3.1 to 3.3 s.
#
# Each lab node runs a dockerd of its own, with the local image
# omhcl-busybox:local, as no registry is reached: the cluster tests set
# them up (cmd/e2e/cluster_encap_test.go), as `scripts/lab.sh up -docker`
# does.
service "web" {
  nodes          = ["node1", "node2", "node3"]
  encapnodes     = ["vm1"]
  app            = "lab web site, encapsulated in a container"
  orchestrate    = "ha"
  monitor_action = "switch"

  # Inside vm1 the service has vm1 as its node: nodes@encapnodes.
  on "@encapnodes" {
    nodes = ["vm1"]
  }

  # The node level: the container, whose host name makes it the encap
  # node vm1. It shares the node's network namespace ("host"): the agent
  # inside plumbs the service address on the node's eth0, hence NET_ADMIN.
  # Its command only waits (and stops at once on SIGTERM): what the
  # service runs there is the level inside. A container that dies is
  # restarted once, with its level inside, before the service moves. The
  # address its level plumbed on the node outlives it: the node sees it
  # with the level's ip driver and drops it itself before the service
  # moves (no agent is left to do it), else no other node could start it.
  container "vm1" {
    type         = "docker"
    hostname     = "vm1"
    image        = "omhcl-busybox:local"
    netns        = "host"
    cap_add      = ["NET_ADMIN"]
    command      = ["/bin/sh", "-c", "trap 'exit 0' TERM; sleep 2147483647 & wait"]
    volumes      = ["/var/tmp/omlab/bin:/opt/omlab/bin:ro", "/var/tmp/omlab/www:/opt/omlab/www:ro"]
    rm           = true
    stop_timeout = "2s"
    monitor      = true
    restart      = 1
  }

  # The level inside vm1 (tags = ["encap"]): the node leaves these alone
  # and its agent in vm1 drives them, after the container starts and
  # before it stops.
  ip "web" {
    ipname = "198.18.10.100/24"
    ipdev  = "eth0"
    tags   = ["encap"]
  }

  # demoweb greets with the name of the node it runs on: vm1.
  app "web" {
    type  = "simple"
    start = "/opt/omlab/bin/demoweb serve -root /opt/omlab/www -addr ${ip.web.ipaddr}:8080"
    tags  = ["encap"]
  }
}
