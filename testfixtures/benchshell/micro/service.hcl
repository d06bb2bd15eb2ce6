# The micro-container service of make bench (scripts/bench-micro.sh, which
# replaces @WWW@ with the page's directory); micro/start.sh and stop.sh do
# the same by the docker CLI.
service "micro" {
  nodes = ["benchm1"]

  container "pause" {
    type         = "docker"
    image        = "omhcl-busybox:local"
    command      = ["sleep", "86400"]
    rm           = true
    stop_timeout = "1s"
  }

  ip "0" {
    type   = "netns"
    ipname = "198.18.4.10/24"
    ipdev  = "ommicro0"
    netns  = container.pause.netns_path
  }

  container "web" {
    type         = "docker"
    image        = "omhcl-busybox:local"
    command      = ["httpd", "-f", "-p", "8080", "-h", "/www"]
    volumes      = ["@WWW@:/www:ro"]
    netns        = container.pause.rid
    rm           = true
    stop_timeout = "1s"
  }
}
