package main

import (
	"fmt"
	"strings"
)

// resourcesPerService is how many resource blocks serviceHCL writes, for
// per-resource figures.
const resourcesPerService = 10

// serviceTemplate is one benchmark service: an address, two loop disks,
// three filesystems and four applications, tied by references the way an
// operator writes them. %NAME% and %IP% are replaced per service.
const serviceTemplate = `service "%NAME%" {
  nodes = ["%NODE%", "%PEER%"]
  app   = "bench %NAME%"

  ip "vip" {
    ipname = "%IP%/16"
    ipdev  = "br-prd"
  }

  disk "d1" {
    type = "loop"
    file = "/srv/bench/${service.name}/d1.img"
    size = "256m"
  }

  disk "d2" {
    type = "loop"
    file = "/srv/bench/${service.name}/d2.img"
    size = "128m"
  }

  fs "data" {
    dev = disk.d1.exposed_devs[0]
    mnt = "/srv/${service.name}/data"
  }

  fs "logs" {
    type    = "ext4"
    dev     = disk.d2.exposed_devs[0]
    mnt     = "/srv/${service.name}/logs"
    mnt_opt = "noatime"
  }

  fs "tmp" {
    type    = "tmpfs"
    mnt     = "/srv/${service.name}/tmp"
    mnt_opt = "size=64m"
  }

  app "db" {
    start   = "${fs.data.mnt}/bin/db start --data ${fs.data.mnt}"
    stop    = "${fs.data.mnt}/bin/db stop"
    check   = "${fs.data.mnt}/bin/db status"
    monitor = true
  }

  app "web" {
    start      = "${fs.data.mnt}/bin/web start ${ip.vip.ipaddr}:8080 ${fs.tmp.mnt}"
    stop       = "${fs.data.mnt}/bin/web stop"
    check      = "${fs.data.mnt}/bin/web status"
    depends_on = [app.db]
  }

  app "worker" {
    start      = "${fs.data.mnt}/bin/worker start --logs ${fs.logs.mnt}"
    check      = "${fs.data.mnt}/bin/worker status"
    depends_on = [app.db]
  }

  app "metrics" {
    start = "${fs.data.mnt}/bin/metrics start ${ip.vip.ipaddr}:9100"
    check = "${fs.data.mnt}/bin/metrics status"
  }
}
`

// serviceName is the name of the i-th service; zero padded so files sort
// in service order.
func serviceName(i int) string { return fmt.Sprintf("svc%05d", i) }

// serviceAddr is a distinct address in 198.18.0.0/16 for each of the first
// 64,000 services; old selects the address a changed service had before.
func serviceAddr(i int, old bool) string {
	third := i / 250
	if old {
		third += 128
	}
	return fmt.Sprintf("198.18.%d.%d", third%256, i%250+2)
}

// serviceHCL is the configuration of the i-th service.
func serviceHCL(i int, node, peer string) []byte {
	return []byte(strings.NewReplacer(
		"%NAME%", serviceName(i),
		"%NODE%", node,
		"%PEER%", peer,
		"%IP%", serviceAddr(i, false),
	).Replace(serviceTemplate))
}
