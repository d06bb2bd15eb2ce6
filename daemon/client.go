package daemon

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net"
	"net/http"
	"os"
	"time"

	"github.com/omhcl/omhcl/plan"
)

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
		var e struct {
			Error string `json:"error"`
		}
		json.NewDecoder(resp.Body).Decode(&e)
		if e.Error == "" {
			e.Error = resp.Status
		}
		return errors.New(e.Error)
	}
	if out == nil {
		return nil
	}
	return json.NewDecoder(resp.Body).Decode(out)
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
func (c *Client) PushConfig(ctx context.Context, services map[string]string) (map[string]Version, error) {
	out := map[string]Version{}
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
