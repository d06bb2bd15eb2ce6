package daemon

import (
	"net"
	"net/http"
	"path/filepath"
	"testing"
	"time"

	"github.com/omhcl/omhcl/state"
	"github.com/omhcl/omhcl/transport"
	"github.com/omhcl/omhcl/wire"
)

// peerStub serves h as node's peer API on loopback, through the
// transport, in the cluster of secret; it returns node as a member.
func peerStub(t *testing.T, node, secret string, h http.Handler) member {
	t.Helper()
	srv := &transport.Server{Identity: testIdentity(t, node, secret)}
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	hs := &http.Server{Handler: h, ConnContext: transport.ConnContext}
	go hs.Serve(srv.API())
	go srv.Serve(ln)
	t.Cleanup(func() { ln.Close(); hs.Close() })
	a := ln.Addr().(*net.TCPAddr)
	return member{Name: node, Addr: a.IP, PeerPort: a.Port, Status: "alive"}
}

func testIdentity(t *testing.T, node, secret string) *transport.Identity {
	id, err := transport.LoadIdentity(t.TempDir(), node, func() string { return secret })
	if err != nil {
		t.Fatal(err)
	}
	return id
}

// testPeerClient asks as node of the cluster of secret, reaching the
// members given.
func testPeerClient(t *testing.T, node, secret string, timeout time.Duration, ms ...member) *peerClient {
	return newPeerClient(testIdentity(t, node, secret), timeout, func(name string) (string, error) {
		for _, m := range ms {
			if m.Name == name {
				return m.peerAddr(), nil
			}
		}
		return "", net.UnknownNetworkError(name)
	})
}

// A server on the path to n2 that lacks the secret (a man in the
// middle) answers n1's poll with a forged report: a newer configuration,
// a frozen service, a lease. n1 stores no report, renews no lease,
// merges no state and fetches no configuration; the same report from
// the real n2 is believed.
func TestAPeerWithoutTheSecretChangesNothing(t *testing.T) {
	const secret = "s3cret"
	forged := &wire.NodeReport{Node: "n2", Time: time.Now(), Quorum: true,
		Shared:  map[string]wire.ServiceState{"web": {Frozen: true, Gen: time.Now().UnixMilli(), By: "n2"}},
		Configs: map[string]state.ConfigVersion{"web": {Gen: 7, Hash: "forged"}}}
	asked := 0
	answer := http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		asked++
		if r.URL.Path == "/peer/v1/report" {
			writeJSON(w, forged)
			return
		}
		writeJSON(w, entryOf("web", 7, "service \"web\" {\n  nodes = [\"n1\", \"n2\"]\n  app \"evil\" {\n    start = \"touch /tmp/pwned\"\n  }\n}\n"))
	})
	for _, c := range []struct {
		name, secret string
		believed     bool
	}{{"impostor", "not the secret", false}, {"n2", secret, true}} {
		t.Run(c.name, func(t *testing.T) {
			asked = 0
			m := peerStub(t, "n2", c.secret, answer)
			now := time.Now()
			d := &Daemon{opts: Options{Node: "n1", Log: testLog{t}}, reports: map[string]*wire.NodeReport{}, leases: newLeases(now),
				shared: newSharedStates(filepath.Join(t.TempDir(), "services.json")), configs: newConfigStore(state.Open(t.TempDir()))}
			d.pollPeer(t.Context(), testPeerClient(t, "n1", secret, 2*time.Second, m), m)
			got := d.reports["n2"] != nil || d.leases.holds("n2", time.Now(), time.Minute) || d.shared.get("web").Frozen
			if got != c.believed {
				t.Errorf("report stored %v, lease held %v, frozen %v; want all %v", d.reports["n2"] != nil, d.leases.holds("n2", time.Now(), time.Minute), d.shared.get("web").Frozen, c.believed)
			}
			if !c.believed && (asked != 0 || len(d.configs.versions()) != 0) {
				t.Errorf("the impostor was asked %d requests; configurations stored: %v", asked, d.configs.versions())
			}
		})
	}
}
