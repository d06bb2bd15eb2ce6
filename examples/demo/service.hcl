# The service `make demo` runs: a web site on its own filesystem, reached on
# a service address. scripts/demo.sh builds the throwaway lab around it: the
# network namespace holding omdemo0 and the launcher in /var/tmp/omdemo/bin.
service "web" {
  nodes = ["demo1", "demo2"]
  app   = "demo web site"

  ip "web" {
    ipname = "198.18.0.10/24"
    ipdev  = "omdemo0"
  }

  # A loop disk: provisioning creates the backing file, start attaches it.
  disk "data" {
    type = "loop"
    file = "/var/tmp/omdemo/web-data.img"
    size = "64m"
  }

  # The loop device is known only once the disk is up: the plan shows
  # "(known after apply)".
  fs "data" {
    type = "ext4"
    dev  = disk.data.exposed_devs[0]
    mnt  = "/var/tmp/omdemo/mnt/${service.name}"
  }

  app "web" {
    start   = "/var/tmp/omdemo/bin/weblauncher start ${fs.data.mnt} ${ip.web.ipaddr}:8080"
    stop    = "/var/tmp/omdemo/bin/weblauncher stop ${fs.data.mnt}"
    check   = "/var/tmp/omdemo/bin/weblauncher status ${fs.data.mnt}"
    info    = "/var/tmp/omdemo/bin/weblauncher info"
    monitor = true
  }
}
