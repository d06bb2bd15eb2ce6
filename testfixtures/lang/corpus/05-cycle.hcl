service "cyc" {
  fs "a" {
    type = "ltfs"
    mnt  = "/a"
    dev  = disk.b.name
  }
  disk "b" {
    type = "ltvg"
    name = fs.a.mnt
  }
  app "c" {
    type  = "ltapp"
    start = app.c.stop
    stop  = "x"
  }
}
