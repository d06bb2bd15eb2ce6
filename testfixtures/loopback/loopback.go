// Package loopback gives tests loopback ports for a daemon: its gossip
// port and the peer API's on the next one, or a port of its own.
//
// The ports are found free and closed again, for the daemon to bind
// later. They are chosen outside the kernel's ephemeral range
// (net.ipv4.ip_local_port_range, 32768-60999 by default): a port the
// kernel handed out and took back may be handed to another process's
// outbound connection before the daemon binds it (a test's remote API
// failed to bind so in make test, the packages running side by side).
package loopback

import (
	"fmt"
	"math/rand/v2"
	"net"
	"testing"
)

// portsFrom and portsTo bound the ports given: below the ephemeral range.
const portsFrom, portsTo = 20000, 32000

// FreePortPair returns a loopback port free with the next one (the peer
// API's), TCP and UDP (gossip uses both).
func FreePortPair(t testing.TB) int { return freePorts(t, 2) }

// FreePort returns a loopback TCP and UDP port that is free.
func FreePort(t testing.TB) int { return freePorts(t, 1) }

func freePorts(t testing.TB, n int) int {
	t.Helper()
	for range 1000 {
		port := portsFrom + rand.IntN(portsTo-portsFrom-n)
		if free(port, n) {
			return port
		}
	}
	t.Fatalf("no %d free loopback port(s) in a row between %d and %d", n, portsFrom, portsTo)
	return 0
}

// free says whether ports port..port+n-1 bind on loopback, TCP and UDP.
func free(port, n int) bool {
	var closers []func() error
	defer func() {
		for _, c := range closers {
			c()
		}
	}()
	for p := port; p < port+n; p++ {
		addr := fmt.Sprintf("127.0.0.1:%d", p)
		l, err := net.Listen("tcp", addr)
		if err != nil {
			return false
		}
		closers = append(closers, l.Close)
		u, err := net.ListenPacket("udp", addr)
		if err != nil {
			return false
		}
		closers = append(closers, u.Close)
	}
	return true
}
