# The highly available service of `make lab` (scripts/lab.sh) and of the
# cluster tests: a web app reached on a service address, on one of three
# nodes at a time. The nodes share no storage, so there is no disk: an
# address and an app. The lab copies demoweb to /var/tmp/omlab/bin (tests
# put their own lab directory in place of /var/tmp/omlab).
service "web" {
  nodes       = ["node1", "node2", "node3"]
  app         = "lab web site"
  orchestrate = "ha"

  # The app is restarted in place once (its restart below), then the
  # service moves to another node.
  monitor_action = "switch"

  ip "web" {
    ipname = "198.18.10.100/24"
    ipdev  = "eth0"
  }

  # demoweb greets with the name of the node it runs on.
  app "web" {
    type    = "simple"
    start   = "/var/tmp/omlab/bin/demoweb serve -root /var/tmp/omlab/www -addr ${ip.web.ipaddr}:8080"
    monitor = true
    restart = 1
  }
}
