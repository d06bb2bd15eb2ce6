// Package clusterlab builds an N-node omhcl cluster on one machine, for the
// cluster tests, `make lab` and the failover bench.
//
// The topology: a switch network namespace holding bridge br0; node i
// ("node1".."nodeN") in its own network namespace joined to the bridge by a
// veth pair (eth0 inside the node, 198.18.10.i/24); a client namespace on
// the bridge (198.18.10.250/24) that probes the service over HTTP. Each node
// has its own state and configuration directories and runs its daemon under
// its own UTS namespace, so its host name is its node name.
//
// A Rig is the lab itself, usable without a testing.T: its description is
// kept in ROOT/lab.json, so the lab tool (cmd/lab) can create it in one run
// and operate it in the next. Lab wraps a Rig for tests: failures are fatal
// and everything is removed when the test ends. Nothing touches the host's
// own interfaces: every link lives in a namespace the lab created.
package clusterlab
