// Package cluster holds the end-to-end tests of the cluster: daemons on
// namespace-backed nodes of testfixtures/clusterlab. It is apart from
// cmd/e2e, the single-node scenarios, so that go test runs the two
// packages side by side.
package cluster
