// Package cluster holds the end-to-end tests of the cluster: daemons on
// namespace-backed nodes of testfixtures/clusterlab. It is apart from
// cmd/e2e, the single-node scenarios, so that make test runs it alone,
// after the rest: its fast-profile leases are timing-sensitive.
package cluster
