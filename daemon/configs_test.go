package daemon

import (
	"bytes"
	"context"
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/omhcl/omhcl/state"
	"github.com/omhcl/omhcl/wire"
)

func entryOf(svc string, gen int64, src string) *configEntry {
	return &configEntry{Service: svc, Gen: gen, Hash: state.HashSource(src), Origin: "n2", Source: src}
}

func fromPeer(svc string, e *configEntry) offer {
	return offer{svc: svc, entry: e, from: "peer n2", maxJump: state.MaxGenJump}
}

const (
	webSrc = "service \"web\" {\n  nodes = [\"n1\"]\n}\n"
	dbSrc  = "service \"db\" {\n  nodes = [\"n1\"]\n}\n"
)

// An entry whose service is not a service name is refused, wherever it
// comes from: "../../x/evil" would be written outside the store.
func TestConfigStoreRefusesNamesOutsideIt(t *testing.T) {
	root := t.TempDir()
	c := newConfigStore(state.Open(filepath.Join(root, "a", "b")))
	if err := os.MkdirAll(filepath.Join(root, "a", "x"), 0o700); err != nil {
		t.Fatal(err)
	}
	evil := entryOf("../../x/evil", 1, "service \"evil\" {\n  nodes = [\"n1\"]\n}\n")
	if ok, err := c.put(fromPeer(evil.Service, evil)); ok || err == nil {
		t.Errorf("a peer's entry named ../../x/evil: stored %v, %v", ok, err)
	}
	d := &Daemon{opts: Options{Node: "n1", Log: testLog{t}}, configs: c}
	body, _ := json.Marshal(wire.ConfigPush{Services: map[string]string{"../../x/evil": evil.Source}})
	w := httptest.NewRecorder()
	d.apiHandler().ServeHTTP(w, httptest.NewRequest(http.MethodPost, "/v1/config", bytes.NewReader(body)))
	if w.Code == http.StatusOK {
		t.Errorf("the API took ../../x/evil: %s", w.Body)
	}
	if _, err := os.Stat(filepath.Join(root, "a", "x", "evil.json")); err == nil {
		t.Error("an entry was written outside the store")
	}
	if len(c.versions()) != 0 {
		t.Errorf("stored: %v", c.versions())
	}
}

// One entry that loads alone but not with the others (a second service
// block duplicating another service) is not stored: the configuration in
// force stays the last good one, with every service, and the node says
// why it refused the entry.
func TestConfigStoreKeepsTheLastGoodConfiguration(t *testing.T) {
	c := newConfigStore(state.Open(t.TempDir()))
	for _, e := range []*configEntry{entryOf("web", 1, webSrc), entryOf("db", 1, dbSrc)} {
		if ok, err := c.put(fromPeer(e.Service, e)); !ok || err != nil {
			t.Fatalf("put %s: %v %v", e.Service, ok, err)
		}
	}
	bad := entryOf("db", 2, dbSrc+"service \"web\" {\n  nodes = [\"n1\", \"n2\"]\n  topology = \"flex\"\n}\n")
	if ok, err := c.put(fromPeer("db", bad)); ok || err == nil || !strings.Contains(err.Error(), "Duplicate service") {
		t.Fatalf("an entry that does not load with the others: stored %v, %v", ok, err)
	}
	cfg, diags := c.config()
	if diags.HasErrors() || cfg.Service("web") == nil || cfg.Service("db") == nil {
		t.Fatalf("the configuration in force: %v, %s", cfg, diags.Error())
	}
	if v := c.get("db").Version(); v.Gen != 1 {
		t.Errorf("db is at generation %d, want 1", v.Gen)
	}
	if r := c.refusals(); len(r) != 1 || r[0].Service != "db" || r[0].Version.Gen != 2 || !strings.Contains(r[0].Why, "Duplicate service") {
		t.Errorf("refusals: %+v", r)
	}
	// the same entry again from the peer is refused without a fetch
	if !c.refusedAlready("db", bad.Version()) {
		t.Error("the refused version would be fetched again")
	}
}

// A store whose files do not load together (written by an older daemon,
// or by hand) keeps those that do, and says which it left out.
func TestConfigStoreLoadsOnlyWhatLoadsTogether(t *testing.T) {
	st := state.Open(t.TempDir())
	if err := os.MkdirAll(st.ConfigDir(), 0o700); err != nil {
		t.Fatal(err)
	}
	for name, e := range map[string]*configEntry{
		"web": entryOf("web", 3, webSrc),
		"aa":  entryOf("aa", 1, "service \"aa\" {\n  nodes = [\"n1\"]\n}\nservice \"web\" {\n  nodes = [\"n1\"]\n}\n"),
		"db":  entryOf("web", 9, webSrc), // web's entry under another name
	} {
		b, _ := json.Marshal(e)
		if err := os.WriteFile(st.ConfigPath(name), b, 0o600); err != nil {
			t.Fatal(err)
		}
	}
	c := newConfigStore(st)
	if err := c.load(); err != nil {
		t.Fatal(err)
	}
	if v := c.versions(); len(v) != 1 || v["web"].Gen != 3 {
		t.Fatalf("loaded %v, want web at generation 3 only", v)
	}
	if r := c.refusals(); len(r) != 2 {
		t.Errorf("refusals: %+v", r)
	}
	if cfg, diags := c.config(); diags.HasErrors() || len(cfg.Services) != 1 {
		t.Fatalf("the configuration in force: %s", diags.Error())
	}
}

// The API answers with what it stored, never with a version it did not
// store: at generation 2^63-1, the next one wrapped to a negative number
// that the store refused, and the API answered success anyway.
func TestConfigAPIAnswersWhatItStored(t *testing.T) {
	st := state.Open(t.TempDir())
	if err := os.MkdirAll(st.ConfigDir(), 0o700); err != nil {
		t.Fatal(err)
	}
	b, _ := json.Marshal(entryOf("web", 1<<63-1, webSrc))
	if err := os.WriteFile(st.ConfigPath("web"), b, 0o600); err != nil {
		t.Fatal(err)
	}
	c := newConfigStore(st)
	if err := c.load(); err != nil {
		t.Fatal(err)
	}
	d := &Daemon{opts: Options{Node: "n1", Log: testLog{t}}, configs: c}
	next := strings.Replace(webSrc, "nodes", "app = \"v2\"\n  nodes", 1)
	body, _ := json.Marshal(wire.ConfigPush{Services: map[string]string{"web": next}})
	w := httptest.NewRecorder()
	d.apiHandler().ServeHTTP(w, httptest.NewRequest(http.MethodPost, "/v1/config", bytes.NewReader(body)))
	if w.Code != http.StatusOK {
		return // refused, and said so
	}
	var got map[string]state.ConfigVersion
	if err := json.Unmarshal(w.Body.Bytes(), &got); err != nil {
		t.Fatal(err)
	}
	if e := c.get("web"); e == nil || e.Version() != got["web"] || e.Source != next {
		t.Fatalf("the API answered %+v, the store holds %+v", got["web"], e)
	}
}

// A peer's entry is stored only under the service asked for, and a
// generation far past the node's is refused.
func TestPeerEntriesAreCheckedBeforeTheyAreStored(t *testing.T) {
	served := map[string]*configEntry{
		"web": entryOf("db", 2, dbSrc),                                             // another service's entry
		"big": entryOf("big", 1<<40, "service \"big\" {\n  nodes = [\"n1\"]\n}\n"), // a far jump
		"ok":  entryOf("ok", 5, "service \"ok\" {\n  nodes = [\"n1\"]\n}\n"),
	}
	m := peerStub(t, "n2", "secret", http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		writeJSON(w, served[strings.TrimPrefix(r.URL.Path, "/peer/v1/config/")])
	}))
	c := newConfigStore(state.Open(t.TempDir()))
	d := &Daemon{opts: Options{Node: "n1", Log: testLog{t}}, configs: c}
	theirs := map[string]state.ConfigVersion{}
	for k, e := range served {
		theirs[k] = e.Version()
	}
	d.fetchNewerConfigs(context.Background(), testPeerClient(t, "n1", "secret", 0, m), m, theirs)
	if v := c.versions(); len(v) != 1 || v["ok"].Gen != 5 {
		t.Fatalf("stored %v, want ok at generation 5 only", v)
	}
	if r := c.refusals(); len(r) != 2 {
		t.Errorf("refusals: %+v", r)
	}
}
