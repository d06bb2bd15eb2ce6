service "checks" {
  orchestrate = "auto"
  ip "a" {
    type       = "ltip"
    ipname     = "198.18.0.300"
    ipdev      = "eth0"
    netmask    = "255.0.255.0"
    gateway    = "gw"
    probe_wait = "5 seconds"
  }
  ip "b" {
    type    = "ltip"
    ipname  = "2001:db8::1"
    ipdev   = "eth0"
    netmask = "255.255.255.0"
  }
  ip "c" {
    type    = "ltip"
    ipname  = "198.18.0.0/15"
    ipdev   = "eth0"
    netmask = 33
  }
  fs "rel" {
    type = "ltfs"
    mnt  = "relative/path"
    restart_delay = "-1s"
  }
}
