package clusterlab

import "net"

// ArbitratorEndpoint is where StartArbitrator listens: the client
// namespace, reached by every node over the bridge.
const ArbitratorEndpoint = "tcp://" + ClientAddr + ":9999"

// Arbitrator is a TCP listener standing in for a cluster arbitrator: a
// node that can connect to it counts its vote.
type Arbitrator struct{ ln net.Listener }

// StartArbitrator listens on ArbitratorEndpoint, accepting and closing
// every connection, until Close (or the lab goes down).
func (r *Rig) StartArbitrator() (*Arbitrator, error) {
	var ln net.Listener
	err := inNS(r.Client, func() (err error) {
		ln, err = net.Listen("tcp", ClientAddr+":9999")
		return err
	})
	if err != nil {
		return nil, err
	}
	go func() {
		for {
			c, err := ln.Accept()
			if err != nil {
				return
			}
			c.Close()
		}
	}()
	r.log("arbitrator listening on %s", ArbitratorEndpoint)
	return &Arbitrator{ln: ln}, nil
}

// Close stops the arbitrator.
func (a *Arbitrator) Close() error { return a.ln.Close() }
