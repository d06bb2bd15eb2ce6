service "broken" {
  nodes = ["n1"
  ip "0" {
    ipname = "a
  }
  fs "x" { type = "ltfs" mnt = "/x" }
