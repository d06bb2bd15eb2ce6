service "dup" {
  app = "a"
  fs "x" {
    type = "ltfs"
    mnt  = "/x"
  }
  fs "x" {
    type = "ltfs"
    mnt  = "/y"
  }
  on "n1" { app = "b" }
  on "n1" { app = "c" }
}
service "dup" {}
