service "unk" {
  disk "vg" {
    type = "ltvg"
    name = "v"
  }
  fs "a" {
    type     = "ltfs"
    mnt      = "/a"
    dev      = disk.vg.exposed_devs[0]
    disable  = length(disk.vg.exposed_devs) > 0
    tags     = disk.vg.exposed_devs
    restart  = length(disk.vg.exposed_devs)
    monitor  = fs.a.check
  }
}
