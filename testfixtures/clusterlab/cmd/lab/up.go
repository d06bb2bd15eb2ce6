package main

import (
	"flag"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"time"

	"github.com/omhcl/omhcl/testfixtures/clusterlab"
)

const waitLong = 60 * time.Second

func say(format string, args ...any) { fmt.Printf("lab: "+format+"\n", args...) }

func open(g *globals) (*clusterlab.Rig, error) { return clusterlab.Open(g.root, say) }

func cmdUp(g *globals, args []string) error {
	fs := flag.NewFlagSet("up", flag.ExitOnError)
	n := fs.Int("n", 3, "number of nodes")
	profile := fs.String("profile", "fast", "daemon timing profile: fast or default")
	docker := fs.Bool("docker", false, "every node runs its own dockerd, and the service's app runs in a container ("+dockerService+")")
	kvm := fs.Bool("kvm", false, "every node runs its own libvirtd, and the service runs in a virtual machine ("+kvmService+")")
	bare := fs.Bool("bare", false, "form the cluster and deploy nothing (lab deploy FILE adds a service)")
	prefix := fs.String("prefix", "omlab", "name prefix of the lab's network namespaces (another one runs beside make lab's)")
	_ = fs.Parse(args)
	if *docker && *kvm {
		return fmt.Errorf("up: -docker or -kvm, not both")
	}
	src, bin, err := serviceAndBin(g, exampleServiceOf(*docker, *kvm))
	if err != nil {
		return err
	}
	r, err := clusterlab.Create(*n, clusterlab.Options{Root: g.root, Prefix: *prefix, BinDir: bin, Profile: *profile, Logf: say, Engines: *docker, VMs: *kvm})
	if err != nil {
		return err
	}
	left := func(err error) error {
		return fmt.Errorf("%v\nthe lab is left up for a look (daemon logs in %s/NODE/daemon.log); scripts/lab.sh down removes it", err, g.root)
	}
	if *bare {
		if err := joinCluster(r, say); err != nil {
			return left(err)
		}
		return nil
	}
	if _, err := formCluster(r, src, say); err != nil {
		return left(err)
	}
	printHelp(r)
	return nil
}

// joinCluster waits for the daemons and joins them.
func joinCluster(r *clusterlab.Rig, logf func(string, ...any)) error {
	for _, n := range r.Nodes {
		if err := r.WaitDaemon(n.Name, waitLong); err != nil {
			return err
		}
	}
	if err := r.Join(waitLong); err != nil {
		return err
	}
	logf("cluster formed: %v", r.NodeNames())
	return nil
}

// formCluster waits for the daemons, joins them, deploys the service on
// the first node, waits until it answers and the daemons agree where it
// runs, and returns that node.
func formCluster(r *clusterlab.Rig, src []byte, logf func(string, ...any)) (string, error) {
	if err := joinCluster(r, logf); err != nil {
		return "", err
	}
	cfg, err := r.Adapt(src)
	if err != nil {
		return "", err
	}
	res, err := r.Deploy(r.Nodes[0].Name, "web.hcl", cfg)
	if err != nil {
		return "", err
	}
	if err := res.Err(); err != nil {
		return "", err
	}
	logf("%s", strings.TrimSpace(res.Stdout))
	node, err := r.WaitServed(clusterlab.ServiceURL, waitLong)
	if err != nil {
		return "", err
	}
	if _, err := r.WaitSettled("web", waitLong); err != nil {
		return "", err
	}
	logf("service web answers on %s, from %s", clusterlab.ServiceURL, node)
	return node, nil
}

// cmdDeploy deploys one more service from FILE (written for the lab's
// default root, like examples/lab-flex) on NODE, and waits until a daemon
// shows it running somewhere.
func cmdDeploy(g *globals, args []string) error {
	if len(args) < 1 || len(args) > 2 {
		return fmt.Errorf("usage: deploy FILE [NODE]")
	}
	r, err := open(g)
	if err != nil {
		return err
	}
	node := r.Nodes[0].Name
	if len(args) == 2 {
		node = args[1]
	}
	src, err := os.ReadFile(args[0])
	if err != nil {
		return err
	}
	cfg, err := r.Adapt(src)
	if err != nil {
		return err
	}
	res, err := r.Deploy(node, filepath.Base(args[0]), cfg)
	if err != nil {
		return err
	}
	if err := res.Err(); err != nil {
		return err
	}
	say("%s", strings.TrimSpace(res.Stdout))
	say("see where it runs: scripts/lab.sh mon")
	return nil
}

// absBin is the binaries' directory as an absolute path: the daemons run
// from other directories.
func absBin(g *globals) (string, error) { return filepath.Abs(g.bin) }

// exampleService is the HA service a lab deploys: its app plain, or in
// docker on an engine per node.
func exampleService(docker bool) string { return exampleServiceOf(docker, false) }

// exampleServiceOf is the HA service a lab deploys: its app plain, in
// docker on an engine per node, or in a guest of a libvirtd per node.
func exampleServiceOf(docker, kvm bool) string {
	switch {
	case docker:
		return dockerService
	case kvm:
		return kvmService
	}
	return clusterlab.ExampleService
}

// serviceAndBin reads the service a lab deploys and finds the binaries.
func serviceAndBin(g *globals, service string) (src []byte, bin string, err error) {
	if src, err = os.ReadFile(service); err != nil {
		return nil, "", err
	}
	bin, err = absBin(g)
	return src, bin, err
}

func printHelp(r *clusterlab.Rig) {
	fmt.Printf(`
The lab is up: %d nodes in network namespaces %s-node1.. on a bridge, the
client in %s, state in %s.

  scripts/lab.sh status              nodes, daemons, links, where the service is
  scripts/lab.sh mon [NODE]          om mon as a node
  scripts/lab.sh watch               where the service address is, live (Ctrl-C ends)
  scripts/lab.sh get                 the web page, from the client
  scripts/lab.sh kill NODE           the node dies; boot NODE brings it back
  scripts/lab.sh cut NODE            cut its link; heal NODE restores it
  scripts/lab.sh daemon-kill NODE    kill its daemon only; daemon-start NODE
  scripts/lab.sh failover            kill the node running web, time the failover
  scripts/lab.sh run NODE om web switch --to node2
  scripts/lab.sh run NODE om web freeze|thaw|takeover|giveback
  scripts/lab.sh down                remove everything
`, len(r.Nodes), r.Prefix, r.Client, r.Root)
}

func cmdDown(g *globals, args []string) error {
	r, err := open(g)
	if err != nil {
		return err
	}
	return r.Down()
}
