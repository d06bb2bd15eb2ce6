service "docker" {
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
  container "0" {
    type  = "docker"
    image = "ghcr.io/opensvc/pause"
    rm    = true
  }
  container "1" {
    type  = "docker"
    image = "nginx"
    netns = container.0.rid
    opts  = { a = [1, true, null] }
  }
  sync "r" {
    type = "rsync"
    src  = "/a"
  }
  sync "nope" {}
}
