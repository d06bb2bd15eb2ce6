package daemon

import (
	"context"
	"crypto/subtle"
	"crypto/tls"
	"errors"
	"fmt"
	"net"
	"net/http"
	"os"
	"strings"
	"time"
)

// The local API can also be served over TCP with TLS, for tools that do
// not run on the node. It is off unless the daemon is given an address, a
// certificate and a token: every request must carry
// "Authorization: Bearer TOKEN".

// RemoteAPI configures the TCP listener of the API.
type RemoteAPI struct {
	Addr      string // listen address, e.g. 198.18.10.1:1215
	CertFile  string
	KeyFile   string
	TokenFile string // a file holding the token
}

func (r RemoteAPI) enabled() bool { return r.Addr != "" }

// serveRemoteAPI serves the API on TLS with a bearer token.
func (d *Daemon) serveRemoteAPI(ctx context.Context, r RemoteAPI) error {
	if r.CertFile == "" || r.KeyFile == "" || r.TokenFile == "" {
		return errors.New("the TCP API needs a certificate, a key and a token file")
	}
	token, err := readToken("TCP API", r.TokenFile)
	if err != nil {
		return err
	}
	cert, err := tls.LoadX509KeyPair(r.CertFile, r.KeyFile)
	if err != nil {
		return fmt.Errorf("TCP API certificate: %w", err)
	}
	ln, err := net.Listen("tcp", r.Addr)
	if err != nil {
		return fmt.Errorf("TCP API: %w", err)
	}
	srv := limitedServer(bearer(token, d.apiHandler()), 30*time.Second, 2*time.Minute)
	srv.TLSConfig = &tls.Config{Certificates: []tls.Certificate{cert}, MinVersion: tls.VersionTLS12}
	go func() { <-ctx.Done(); srv.Close() }()
	go func() {
		// no member comes here: every address has the strangers' caps
		if err := srv.ServeTLS(d.limitConns(ln, "TCP API", false), "", ""); err != nil && !errors.Is(err, http.ErrServerClosed) {
			d.errorf("TCP API: %v", err)
		}
	}()
	return nil
}

// bearer refuses requests without the token.
func bearer(token string, next http.Handler) http.Handler {
	want := []byte("Bearer " + token)
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if subtle.ConstantTimeCompare([]byte(r.Header.Get("Authorization")), want) != 1 {
			closeAfter(w)
			httpError(w, http.StatusUnauthorized, "a valid bearer token is required")
			return
		}
		next.ServeHTTP(w, r)
	})
}

// readToken reads the bearer token of a listener (what: its name).
func readToken(what, path string) (string, error) {
	b, err := os.ReadFile(path)
	if err != nil {
		return "", fmt.Errorf("%s token: %w", what, err)
	}
	t := strings.TrimSpace(string(b))
	if len(t) < 16 {
		return "", fmt.Errorf("%s token in %s: at least 16 characters", what, path)
	}
	return t, nil
}
