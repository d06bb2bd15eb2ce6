service "bad name" {}
service "" {}
service {}
service "a" "b" {}
service "ünïcode" {
  fs "a/b" {
    type = "ltfs"
    mnt  = "/x"
  }
  fs {}
  on "@nodess" {}
  on "bad node" {}
  on {}
}
