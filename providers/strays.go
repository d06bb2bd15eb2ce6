package providers

import "context"

// StrayFinder is implemented by drivers whose backend labels what they
// create with its service and rid (container engines): Strays lists what
// carries the service's label but none of known's rids, a container left
// by hand or by an apply killed before it recorded its start. Status
// reports them; nothing removes them on its own.
type StrayFinder interface {
	Strays(ctx context.Context, known []string) []string
	// StrayScope names the backend Strays lists ("docker /var/run/docker.sock"):
	// the resources of a service on one engine ask it once.
	StrayScope() string
}
