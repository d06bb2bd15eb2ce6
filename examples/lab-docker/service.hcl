# The lab's HA web service with its app in a docker container: the same
# address as examples/lab, and demoweb run by the node's own container
# engine (each lab node runs a dockerd of its own, found through
# DOCKER_HOST; `scripts/lab.sh up -engines` or the cluster tests set them
# up, with the local image omhcl-busybox:local, as no registry is reached).
# The container shares the node's network namespace ("host"), where the
# service address is plumbed; demoweb greets with the node's name.
service "web" {
  nodes          = ["node1", "node2", "node3"]
  app            = "lab web site, containerized"
  orchestrate    = "ha"
  monitor_action = "switch"

  ip "web" {
    ipname = "198.18.10.100/24"
    ipdev  = "eth0"
  }

  container "web" {
    type         = "docker"
    image        = "omhcl-busybox:local"
    netns        = "host"
    command      = ["/opt/omlab/bin/demoweb", "serve", "-root", "/opt/omlab/www", "-addr", "${ip.web.ipaddr}:8080"]
    volumes      = ["/var/tmp/omlab/bin:/opt/omlab/bin:ro", "/var/tmp/omlab/www:/opt/omlab/www:ro"]
    env          = { OMHCL_NODE = node.name }
    rm           = true
    stop_timeout = "2s"
    monitor      = true
    restart      = 1
  }
}
