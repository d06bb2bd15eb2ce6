# Seed 002's "farmed - failover" topology on the lab: a container runs on
# every node, and inside, each container is a node of a cluster of its
# own; the encapsulated service (an address and a web app) is a failover
# service among the containers, relocated from one to another by the
# daemons running inside them.
#
# The node level is a flex service over all the nodes: each node's daemon
# keeps its own container up (and restarts it), and none of them is the
# primary of anything: that reads better than a failover service with a
# standby container, whose "up" node would mean nothing here. The node
# level does not place the service inside: `om agent converge` leaves that
# to the daemon in the container, hands it the node's configuration, and
# only stops the level itself when the container goes away; the node's
# plan notes that the daemons inside place it.
#
# Each lab node runs a dockerd of its own, with the local image
# omhcl-busybox:local (the cluster tests set them up, as `scripts/lab.sh
# up -docker` does). The daemons inside form their cluster from the
# settings they find in their state directory (the test writes the same
# cluster.json, with a secret, the three encap nodes and their gossip
# addresses, in every node's /var/tmp/omlab/NODE/vm): they join each other
# as they start, and a daemon alone, one vote of three, starts nothing.
service "web" {
  nodes       = ["node1", "node2", "node3"]
  encapnodes  = ["vm-node1", "vm-node2", "vm-node3"]
  app         = "lab web site, failover among farmed containers"
  orchestrate = "ha"
  topology    = "flex" # flex_max defaults to every node: a container on each

  # Inside, the containers are the nodes, and the service fails over among
  # them: the app is restarted in place once, then moves.
  on "@encapnodes" {
    nodes          = ["vm-node1", "vm-node2", "vm-node3"]
    topology       = "failover"
    monitor_action = "switch"
  }

  # The node level: a container per node, named vm-NODE: its host name
  # makes it the encap node of that name. It shares the node's network
  # namespace ("host"), where the address is plumbed (NET_ADMIN). Its
  # command is the daemon inside: the node's om, bind-mounted read only
  # (the agent the node calls is that same build), on ports of its own on
  # the node's address (the node's daemon holds 7946 and 7947 there), its
  # state on the node (cluster settings, what it started), as a VM's disk
  # would keep it: a container started anew rejoins and knows what it ran.
  container "vm" {
    type     = "docker"
    hostname = "vm-${node.name}"
    image    = "omhcl-busybox:local"
    netns    = "host"
    cap_add  = ["NET_ADMIN"]
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

  # The level inside (tags = ["encap"]), placed by the daemons there.
  ip "web" {
    ipname = "198.18.10.100/24"
    ipdev  = "eth0"
    tags   = ["encap"]
  }

  # demoweb greets with the name of the container it runs in (vm-NODE).
  app "web" {
    type    = "simple"
    start   = "/opt/omlab/bin/demoweb serve -root /opt/omlab/www -addr ${ip.web.ipaddr}:8080"
    monitor = true
    restart = 1
    tags    = ["encap"]
  }
}
