package lang

import (
	"fmt"
	"strings"
	"testing"
)

// benchService is a service of 10 resources with references, scoping and
// an exposed value: what a real one looks like.
func benchService(i int) string {
	return fmt.Sprintf(`
service "svc%d" {
  nodes = ["n1", "n2"]
  ip "0" {
    type   = "ltip"
    ipname = "svc%d.example"
    ipdev  = "eth0"
    on "n2" {
      ipdev = "eth1"
    }
  }
  disk "vg" {
    type = "ltvg"
    name = "vg%d"
  }
  disk "lv" {
    type = "ltlv"
    name = "lv"
    vg   = disk.vg.name
  }
  fs "app" {
    type = "ltfs"
    dev  = disk.lv.exposed_devs[0]
    mnt  = "/${service.name}/app"
  }
  fs "data" {
    type = "ltfs"
    dev  = "/dev/vg%d/data"
    mnt  = "/${service.name}/data"
  }
  app "a" {
    type  = "ltapp"
    start = "${fs.app.mnt}/a start"
  }
  app "b" {
    type  = "ltapp"
    start = "${fs.app.mnt}/b start"
    monitor = true
  }
  app "c" {
    type  = "ltapp"
    start = "${fs.data.mnt}/c start"
    depends_on = [app.a]
  }
  app "d" {
    type  = "ltapp"
    start = "d"
  }
  app "e" {
    type  = "ltapp"
    start = "${ip.0.ipname}"
  }
}
`, i, i, i, i)
}

func benchConfig(b *testing.B, n int) *Config {
	var sb strings.Builder
	for i := 0; i < n; i++ {
		sb.WriteString(benchService(i))
	}
	cfg, diags := LoadFiles(map[string][]byte{"bench.hcl": []byte(sb.String())})
	if diags.HasErrors() {
		b.Fatal(render(cfg, diags))
	}
	return cfg
}

// BenchmarkEvaluate10k evaluates 10,000 services of 10 resources each for
// one node, per iteration.
func BenchmarkEvaluate10k(b *testing.B) {
	cfg := benchConfig(b, 10000)
	b.ResetTimer()
	for b.Loop() {
		for _, s := range cfg.Services {
			if _, diags := s.Evaluate("n2", nil); diags.HasErrors() {
				b.Fatal(diags)
			}
		}
	}
}

func BenchmarkLoad1k(b *testing.B) {
	for b.Loop() {
		benchConfig(b, 1000)
	}
}
