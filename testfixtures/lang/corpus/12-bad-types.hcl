service "types" {
  nodes     = "n1"
  flex_min  = "many"
  flex_max  = 1e400
  topology  = ["flex"]
  fs "x" {
    type  = "ltfs"
    mnt   = 42
    check = "maybe"
    opts  = { a = 1 }
    restart = 1.5
    tags  = [null, "a"]
    disable = "yes"
  }
  app "y" {
    type    = "ltapp"
    start   = ["a"]
    retries = -1e308
    env     = { a = { b = 1 } }
  }
}
