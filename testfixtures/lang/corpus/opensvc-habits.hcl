service "s" {
  nodes = [n1]
  orchestrate = ha
  ip "0" {
    "ipname@n1" = "198.18.0.1"
    ipdev = "eth0"
  }
  app "web" {
    monitor = True
    start = "{fs#app.mnt}/run {name}"
  }
  container "c" {
    type = "docker"
    image = "busybox"
    command = "sh -c 'sleep 1'"
    always_on = nodes
  }
}
