service "svc1" {
  nodes = ["demo1", "demo2"]
  app   = "MyApp"
  ip "main" {
    ipname = "demosvc.example.com"
    ipdev  = "br-prd"
  }
  disk "vg" {
    type = "vg"
    name = "vgsvc1"
  }
  disk "app" {
    type = "lv"
    name = "app"
    vg   = disk.vg.name
  }
  fs "app" {
    type = "ext4"
    dev  = disk.app.exposed_devs[0]
    mnt  = "/${service.name}/app"
  }
  app "web" {
    start   = "${fs.app.mnt}/launcher start"
    stop    = "${fs.app.mnt}/launcher stop"
    monitor = true
  }
}
