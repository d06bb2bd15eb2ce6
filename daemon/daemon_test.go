package daemon

import (
	"context"
	"encoding/pem"
	"github.com/omhcl/omhcl/state"
	"github.com/omhcl/omhcl/wire"
	"net"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"testing"
	"time"
)

func TestArbitratorReach(t *testing.T) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer ln.Close()
	go func() {
		for {
			c, err := ln.Accept()
			if err != nil {
				return
			}
			c.Close()
		}
	}()
	ok := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {}))
	defer ok.Close()
	bad := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { w.WriteHeader(500) }))
	defer bad.Close()
	closed, _ := net.Listen("tcp", "127.0.0.1:0")
	closedAddr := closed.Addr().String()
	closed.Close()
	for _, c := range []struct {
		endpoint string
		want     bool
	}{
		{"tcp://" + ln.Addr().String(), true},
		{"tcp://" + closedAddr, false},
		{ok.URL, true},
		{bad.URL, false},
	} {
		if got := reach(c.endpoint, 500*time.Millisecond); got != c.want {
			t.Errorf("reach(%s) = %v, want %v", c.endpoint, got, c.want)
		}
	}
}

func TestConfigStoreKeepsTheNewestGeneration(t *testing.T) {
	c := newConfigStore(state.Open(t.TempDir()))
	if err := c.load(); err != nil {
		t.Fatal(err)
	}
	src := "service \"web\" {\n  nodes = [\"n1\"]\n}\n"
	e1, changed, err := c.ingest("web", src, "n1")
	if err != nil || !changed || e1.Gen != 1 {
		t.Fatalf("first ingest: %+v %v %v", e1, changed, err)
	}
	if _, changed, _ := c.ingest("web", src, "n1"); changed {
		t.Fatal("the same text made a new generation")
	}
	e2, _, _ := c.ingest("web", src+"# v2\n", "n1")
	if e2.Gen != 2 {
		t.Fatalf("generation %d, want 2", e2.Gen)
	}
	old := &configEntry{Service: "web", Gen: 1, Hash: state.HashSource(src), Source: src}
	if ok, _ := c.put(fromPeer("web", old)); ok {
		t.Fatal("an older generation replaced a newer one")
	}
	again := newConfigStore(c.store)
	if err := again.load(); err != nil || again.get("web").Gen != 2 {
		t.Fatalf("reload: %+v %v", again.get("web"), err)
	}
	cfg, diags := again.config()
	if diags.HasErrors() || cfg.Service("web") == nil {
		t.Fatalf("stored configuration does not load: %s", diags.Error())
	}
}

func TestSharedStateNewestWins(t *testing.T) {
	s := newSharedStates(t.TempDir() + "/services.json")
	s.update("web", "n1", func(st *wire.ServiceState) { st.Frozen = true })
	s.merge(map[string]wire.ServiceState{"web": {Frozen: false, Gen: 0, By: "n2"}})
	if !s.get("web").Frozen {
		t.Fatal("an older state overwrote a newer one")
	}
	s.merge(map[string]wire.ServiceState{"web": {Frozen: false, Preferred: "n2", Gen: s.get("web").Gen + 1, By: "n2"}})
	if st := s.get("web"); st.Frozen || st.Preferred != "n2" {
		t.Fatalf("a newer state was not adopted: %+v", st)
	}
}

func TestRemoteAPINeedsTLSAndTheToken(t *testing.T) {
	token := "0123456789abcdef-token"
	mux := http.NewServeMux()
	mux.HandleFunc("GET /v1/mon", func(w http.ResponseWriter, r *http.Request) { writeJSON(w, &wire.MonView{Node: "n1"}) })
	srv := httptest.NewUnstartedServer(bearer(token, mux))
	srv.StartTLS()
	defer srv.Close()
	ca := filepath.Join(t.TempDir(), "ca.pem")
	pemBytes := pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: srv.Certificate().Raw})
	if err := os.WriteFile(ca, pemBytes, 0o600); err != nil {
		t.Fatal(err)
	}
	ctx := context.Background()
	c, err := wire.ConnectRemote(ctx, srv.URL, token, ca)
	if err != nil {
		t.Fatalf("with the token and the certificate: %v", err)
	}
	if v, err := c.Mon(ctx); err != nil || v.Node != "n1" {
		t.Fatalf("mon: %+v %v", v, err)
	}
	if _, err := wire.ConnectRemote(ctx, srv.URL, "wrong-token-wrong-token", ca); err == nil {
		t.Fatal("a wrong token was accepted")
	}
	if _, err := wire.ConnectRemote(ctx, srv.URL, token, ""); err == nil {
		t.Fatal("an untrusted certificate was accepted")
	}
}
