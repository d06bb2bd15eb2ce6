# A flex service for the lab (scripts/lab.sh, the cluster tests): the same
# web app on two of the three nodes at once, each on its node's own
# address, no shared service address. When a node running it dies, the
# third node starts an instance; when the node comes back, it takes its
# place again and the extra instance stops.
service "pool" {
  nodes       = ["node1", "node2", "node3"]
  app         = "lab web pool"
  orchestrate = "ha"
  topology    = "flex"
  flex_min    = 1 # fewer instances up than this: the service is down
  flex_max    = 2 # instances to run, on the first nodes in placement order

  app "web" {
    type    = "simple"
    start   = "/var/tmp/omlab/bin/demoweb serve -root /var/tmp/omlab/www -addr :8081"
    monitor = true
  }
}
