package clusterlab

import (
	"context"
	"fmt"
	"io"
	"net"
	"net/http"
	"runtime"
	"slices"
	"strings"
	"time"

	"github.com/vishvananda/netns"
)

// ServiceURL is the example service's web address (examples/lab).
const ServiceURL = "http://" + ServiceAddr + ":8080/"

// inNS runs f on an OS thread switched into network namespace ns: sockets
// f opens live there, and stay there. The thread is switched back before
// it is unlocked; if that fails it stays locked, and the runtime discards
// it rather than reuse a thread in the wrong namespace.
func inNS(ns string, f func() error) error {
	ch := make(chan error, 1)
	go func() {
		runtime.LockOSThread()
		back, err := runSwitched(ns, f)
		if back {
			runtime.UnlockOSThread()
		}
		ch <- err
	}()
	return <-ch
}

// runSwitched runs f with the calling (locked) thread in namespace ns and
// says whether the thread is back in its own namespace.
func runSwitched(ns string, f func() error) (back bool, err error) {
	orig, err := netns.Get()
	if err != nil {
		return true, fmt.Errorf("current netns: %v", err)
	}
	defer orig.Close()
	target, err := netns.GetFromName(ns)
	if err != nil {
		return true, fmt.Errorf("open netns %s: %v", ns, err)
	}
	defer target.Close()
	if err := netns.Set(target); err != nil {
		return true, fmt.Errorf("enter netns %s: %v", ns, err)
	}
	err = f()
	return netns.Set(orig) == nil, err
}

// dialIn opens a connection from inside network namespace ns.
func dialIn(ctx context.Context, ns, network, addr string) (c net.Conn, err error) {
	err = inNS(ns, func() error {
		var d net.Dialer
		c, err = d.DialContext(ctx, network, addr)
		return err
	})
	return c, err
}

// Get fetches url from the client namespace, as a user on the network
// would, within timeout, and returns the body of a 200 answer.
//
// The dial gets the timeout too: http.Transport goes on dialing after
// the request's timeout (for a later request's sake), without a deadline
// of its own, and a SYN nobody answers (an address whose guest is down
// while its MAC stays in the client's neighbor cache: examples/lab-kvm)
// keeps a connect() waiting for minutes, on an OS thread locked in the
// client's namespace. The probes of a failover, one every 20 ms, piled up
// hundreds of them, and Down found the lab tool itself in the client's
// namespace (its main thread among them).
func (r *Rig) Get(url string, timeout time.Duration) (string, error) {
	client := &http.Client{
		Timeout: timeout,
		Transport: &http.Transport{
			DisableKeepAlives: true,
			DialContext: func(ctx context.Context, network, addr string) (net.Conn, error) {
				ctx, cancel := context.WithTimeout(ctx, timeout)
				defer cancel()
				return dialIn(ctx, r.Client, network, addr)
			},
		},
	}
	resp, err := client.Get(url)
	if err != nil {
		return "", err
	}
	defer resp.Body.Close()
	body, err := io.ReadAll(io.LimitReader(resp.Body, 1<<16))
	if err != nil {
		return "", err
	}
	if resp.StatusCode != http.StatusOK {
		return string(body), fmt.Errorf("GET %s: %s", url, resp.Status)
	}
	return string(body), nil
}

// ServedBy returns the node a demoweb greeting names ("Hello from demoweb
// on node node2, ..."), "" when the body is no greeting.
func ServedBy(body string) string {
	const marker = "demoweb on node "
	i := strings.Index(body, marker)
	if i < 0 {
		return ""
	}
	rest := body[i+len(marker):]
	if j := strings.IndexAny(rest, ", \n"); j >= 0 {
		rest = rest[:j]
	}
	return rest
}

// WaitServed polls url from the client every 20 ms until a node other than
// those in not answers it, and returns that node (Rig.ServedBy).
func (r *Rig) WaitServed(url string, timeout time.Duration, not ...string) (string, error) {
	deadline := time.Now().Add(timeout)
	var lastErr error
	for {
		body, err := r.Get(url, 300*time.Millisecond)
		if err == nil {
			node := r.ServedBy(body)
			if node != "" && !slices.Contains(not, node) {
				return node, nil
			}
			err = fmt.Errorf("answered by %q: %q", node, strings.TrimSpace(body))
		}
		lastErr = err
		if time.Now().After(deadline) {
			return "", fmt.Errorf("%s not served by a node other than %v within %s: %v", url, not, timeout, lastErr)
		}
		time.Sleep(WatchInterval)
	}
}
