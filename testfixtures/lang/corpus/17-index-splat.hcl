service "idx" {
  disk "0" {
    type = "ltvg"
    name = "vg0"
  }
  disk "1" {
    type = "ltlv"
    name = "lv1"
    vg   = disk.0.name
  }
  disk "2" {
    type = "ltlv"
    name = "lv2"
    vg   = disk["0"].name
  }
  fs "all" {
    type = "ltfs"
    mnt  = "/all"
    dev  = join(",", [for d in disk : d.name])
    opts = values(disk)[*].rid
  }
  app "x" {
    type  = "ltapp"
    start = disk.1.exposed_devs[5]
    stop  = fs.all.opts[0]
    check = disk.0.name.x
  }
}
