# Seed 003, "Getting Started": a two-node failover service on demo1 and
# demo2 with one service address, an LVM volume group, two logical volumes
# holding ext4 filesystems, and a web server launcher.
#
# The resources keep the seed's ids (ip#0, disk#0..2, fs#app, fs#data,
# app#web), so logs and status read as in the seed: disk.0.name is the
# seed's {disk#0.name}, service.name its {name}.
service "svc1" {
  app   = "MyApp"
  nodes = ["demo1", "demo2"]
  id    = "d74cc963-8f18-4c73-9691-9a833dba2a22"

  # "High Availability": the daemon fails the service over by itself when
  # a monitored resource fails.
  orchestrate = "ha"

  # demosvc.opensvc.com resolves to 5.196.34.135 on the demo network.
  ip "0" {
    ipname = "demosvc.opensvc.com"
    ipdev  = "br-prd"
  }

  disk "0" {
    type = "vg"
    name = "vgsvc1"
  }

  disk "1" {
    type = "lv"
    name = "app"
    vg   = disk.0.name
  }

  disk "2" {
    type = "lv"
    name = "data"
    vg   = disk.0.name
  }

  # The device paths are exposed by the lv driver once the volume is
  # active: plans show them as "(known after apply)" until then.
  fs "app" {
    type = "ext4"
    dev  = disk.1.exposed_devs[0]
    mnt  = "/${service.name}/${disk.1.name}"
  }

  fs "data" {
    type = "ext4"
    dev  = disk.2.exposed_devs[0]
    mnt  = "/${service.name}/${disk.2.name}"
  }

  # The launcher lives on the service's own filesystem.
  app "web" {
    type    = "forking"
    start   = "${fs.app.mnt}/weblauncher start"
    stop    = "${fs.app.mnt}/weblauncher stop"
    check   = "${fs.app.mnt}/weblauncher status"
    info    = "${fs.app.mnt}/weblauncher info"
    monitor = true
  }
}
