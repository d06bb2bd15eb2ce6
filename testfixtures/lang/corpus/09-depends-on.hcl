service "deps" {
  app "b" {
    type       = "ltapp"
    start      = "b"
    depends_on = [app.a, fs.x]
  }
  app "a" {
    type  = "ltapp"
    start = "a"
    on "n2" {
      depends_on = [app.b]
    }
  }
  fs "x" {
    type = "ltfs"
    mnt  = "/x"
    depends_on = ["app#a", fs.x.mnt, 3]
  }
}
