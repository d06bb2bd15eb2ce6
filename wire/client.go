// Package wire holds the types and client of the daemon's APIs: what
// crosses its sockets (the local API on its unix socket, the same API on
// TCP, the peer API between nodes), apart from the server so that the CLI
// (om, omplan, omapply) does not link the daemon. Package daemon serves
// these types; om daemon run alone starts it.
package wire

import (
	"bytes"
	"context"
	"crypto/tls"
	"crypto/x509"
	"encoding/json"
	"errors"
	"fmt"
	"net"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"time"

	"github.com/omhcl/omhcl/plan"
	"github.com/omhcl/omhcl/state"
)

// SocketPath is the local API socket of a state directory.
func SocketPath(stateDir string) string { return filepath.Join(stateDir, "daemon.sock") }

// Client talks to the local daemon over its unix socket.
type Client struct {
	base  string // "http://daemon" on the socket, the https URL remotely
	token string // the bearer token of the TCP API
	http  *http.Client
}

// ErrNoDaemon means no daemon answers on the socket.
var ErrNoDaemon = errors.New("no daemon running")

// Connect returns a client when a daemon answers on stateDir's socket,
// or, when $OMHCL_API_URL is set, on that TCP API (with $OMHCL_API_TOKEN
// and the certificate in $OMHCL_API_CA).
func Connect(ctx context.Context, stateDir string) (*Client, error) {
	if url := os.Getenv("OMHCL_API_URL"); url != "" {
		return ConnectRemote(ctx, url, os.Getenv("OMHCL_API_TOKEN"), os.Getenv("OMHCL_API_CA"))
	}
	path := SocketPath(stateDir)
	if _, err := os.Stat(path); err != nil {
		return nil, ErrNoDaemon
	}
	c := &Client{base: "http://daemon", http: &http.Client{Transport: &http.Transport{
		DialContext: func(ctx context.Context, _, _ string) (net.Conn, error) {
			return (&net.Dialer{Timeout: 2 * time.Second}).DialContext(ctx, "unix", path)
		},
	}}}
	probe, cancel := context.WithTimeout(ctx, 2*time.Second)
	defer cancel()
	if _, err := c.Mon(probe); err != nil {
		return nil, fmt.Errorf("%w: %s does not answer: %v", ErrNoDaemon, path, err)
	}
	return c, nil
}

// ConnectRemote returns a client of a daemon's TCP API: base is
// "https://host:port", caFile the certificate (or its CA) to trust.
func ConnectRemote(ctx context.Context, base, token, caFile string) (*Client, error) {
	pool := x509.NewCertPool()
	if caFile != "" {
		pem, err := os.ReadFile(caFile)
		if err != nil {
			return nil, err
		}
		if !pool.AppendCertsFromPEM(pem) {
			return nil, fmt.Errorf("%s holds no PEM certificate", caFile)
		}
	}
	tr := &http.Transport{TLSClientConfig: &tls.Config{RootCAs: pool, MinVersion: tls.VersionTLS12}}
	c := &Client{base: strings.TrimRight(base, "/"), token: token, http: &http.Client{Transport: tr, Timeout: 30 * time.Second}}
	probe, cancel := context.WithTimeout(ctx, 5*time.Second)
	defer cancel()
	if _, err := c.Mon(probe); err != nil {
		return nil, fmt.Errorf("%w: %s: %v", ErrNoDaemon, base, err)
	}
	return c, nil
}

func (c *Client) do(ctx context.Context, method, path string, in, out any) error {
	var body bytes.Buffer
	if in != nil {
		if err := json.NewEncoder(&body).Encode(in); err != nil {
			return err
		}
	}
	req, err := http.NewRequestWithContext(ctx, method, c.base+path, &body)
	if err != nil {
		return err
	}
	if c.token != "" {
		req.Header.Set("Authorization", "Bearer "+c.token)
	}
	resp, err := c.http.Do(req)
	if err != nil {
		return err
	}
	defer resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		return answerError(resp)
	}
	if out == nil {
		return nil
	}
	return json.NewDecoder(resp.Body).Decode(out)
}

// answerError is the error an answer other than 200 carries
// ({"error": "..."}), else its status.
func answerError(resp *http.Response) error {
	var e struct {
		Error string `json:"error"`
	}
	json.NewDecoder(resp.Body).Decode(&e)
	if e.Error == "" {
		e.Error = resp.Status
	}
	return errors.New(e.Error)
}

// Mon returns the daemon's cluster view.
func (c *Client) Mon(ctx context.Context) (*MonView, error) {
	var v MonView
	return &v, c.do(ctx, http.MethodGet, "/v1/mon", nil, &v)
}

// Action asks the orchestrator to act on a service and returns the
// service's new cluster-wide state.
func (c *Client) Action(ctx context.Context, svc string, req ActionRequest) (ServiceState, error) {
	var st ServiceState
	return st, c.do(ctx, http.MethodPost, "/v1/services/"+svc+"/action", req, &st)
}

// PushConfig hands service sources to the cluster and returns the
// versions they got.
func (c *Client) PushConfig(ctx context.Context, services map[string]string) (map[string]state.ConfigVersion, error) {
	out := map[string]state.ConfigVersion{}
	return out, c.do(ctx, http.MethodPost, "/v1/config", ConfigPush{Services: services}, &out)
}

// Join makes the daemon adopt a secret and join a member.
func (c *Client) Join(ctx context.Context, req JoinRequest) ([]string, error) {
	var out struct {
		Steps []string `json:"steps"`
	}
	return out.Steps, c.do(ctx, http.MethodPost, "/v1/join", req, &out)
}

// Live returns a node's live state document.
func (c *Client) Live(ctx context.Context, node string) (*plan.Live, error) {
	var l plan.Live
	return &l, c.do(ctx, http.MethodGet, "/v1/live/"+node, nil, &l)
}

// Drain drains (true) or undrains the node of the daemon.
func (c *Client) Drain(ctx context.Context, drain bool) error {
	return c.do(ctx, http.MethodPost, "/v1/drain", DrainRequest{Drain: drain}, nil)
}
