// Package loopback gives tests loopback ports for a daemon: its gossip
// port and the peer API's on the next one.
package loopback

import (
	"fmt"
	"net"
	"testing"
)

// FreePortPair returns a loopback port free with the next one (the peer
// API's).
func FreePortPair(t testing.TB) int {
	t.Helper()
	for {
		l, err := net.Listen("tcp", "127.0.0.1:0")
		if err != nil {
			t.Fatal(err)
		}
		port := l.Addr().(*net.TCPAddr).Port
		l2, err := net.Listen("tcp", fmt.Sprintf("127.0.0.1:%d", port+1))
		l.Close()
		if err == nil {
			l2.Close()
			return port
		}
	}
}
