service "refs" {
  app = fs.a.mnt
  fs "a" {
    type = "ltfs"
    mnt  = "/${service.nam}/${nod.name}"
    dev  = disk.nope.exposed_devs[0]
  }
  disk "vg" {
    type = "ltvg"
    name = disk.vg.exposed_dev
  }
}
