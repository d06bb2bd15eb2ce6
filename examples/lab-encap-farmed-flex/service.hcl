# Seed 002's "farmed - farmed" topology on the lab: the containers of
# examples/lab-encap-farmed-failover, one per node, each running a daemon
# of its own; inside, the encapsulated service is a flex service started
# on every container (at least flex_min of them up, or it is down), placed
# by those daemons. Every container serves the web app on its node's own
# address, port 8081: no shared service address, as examples/lab-flex.
#
# The node level is a flex service too: each node keeps its own container
# up and leaves what runs inside to the daemon there (om agent converge
# hands it the configuration and starts nothing itself; the node's plan
# notes that the daemons inside place the level).
#
# Each lab node runs a dockerd of its own, with the local image
# omhcl-busybox:local (the cluster tests set them up, as `scripts/lab.sh
# up -docker` does). The daemons inside form their cluster from the
# settings they find in their state directory (the test writes the same
# cluster.json, with a secret, the three encap nodes and their gossip
# addresses, in every node's /var/tmp/omlab/NODE/vm).
service "web" {
  nodes       = ["node1", "node2", "node3"]
  encapnodes  = ["vm-node1", "vm-node2", "vm-node3"]
  app         = "lab web pool, farmed containers"
  orchestrate = "ha"
  topology    = "flex" # a container on every node

  # Inside, the containers are the nodes, and the service runs on all of
  # them (flex_max defaults to every node); with fewer than two up it is
  # down.
  on "@encapnodes" {
    nodes    = ["vm-node1", "vm-node2", "vm-node3"]
    flex_min = 2
  }

  # The node level: a container per node, named vm-NODE (its host name
  # makes it that encap node), in the node's network namespace. Its
  # command is the daemon inside: the node's om, bind-mounted read only,
  # on ports of its own on the node's address (the node's daemon holds
  # 7946 and 7947), its state kept on the node as a VM's disk would.
  container "vm" {
    type     = "docker"
    hostname = "vm-${node.name}"
    image    = "omhcl-busybox:local"
    netns    = "host"
    command = [
      "/usr/local/bin/om", "daemon", "run", "--profile", "fast",
      "--bind", "${lookup({ node1 = "198.18.10.1", node2 = "198.18.10.2", node3 = "198.18.10.3" }, node.name, "")}:7956",
    ]
    volumes = [
      "/var/tmp/omlab/bin/om:/usr/local/bin/om:ro",
      "/var/tmp/omlab/${node.name}/vm:/var/lib/omhcl",
      "/var/tmp/omlab/bin:/opt/omlab/bin:ro",
      "/var/tmp/omlab/www:/opt/omlab/www:ro",
    ]
    rm           = true
    stop_timeout = "2s"
    monitor      = true
    restart      = 1
  }

  # The level inside: the web app of every container, greeting with the
  # container's name (vm-NODE).
  app "web" {
    type    = "simple"
    start   = "/opt/omlab/bin/demoweb serve -root /opt/omlab/www -addr :8081"
    monitor = true
    restart = 1
    tags    = ["encap"]
  }
}
