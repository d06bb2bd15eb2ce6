# comment
// another
/* block */
nodes = ["top"]
servce "typo" {}
fs "outside" {}
service "misc" {
  node = ["x"]
  ipp "x" {}
  on "n1" {
    fs "nested" {}
    encapnodes = ["e"]
  }
  on "@nodes" {
    nodes = ["x"]
    encapnodes = ["y"]
  }
  fs "a" {
    type = service.name
    mnt  = "/a"
    on "n1" { type = "ltfs" }
    disk "inner" {}
  }
  disk "vg" {
    type         = "ltvg"
    name         = "v"
    exposed_devs = []
  }
}
