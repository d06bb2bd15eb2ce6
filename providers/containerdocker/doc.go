// Package containerdocker is the container.docker and container.podman
// driver: one container per resource, driven through the Docker Engine API
// over the engine's unix socket (podman serves the same API), never through
// a CLI and its output.
//
// The client is github.com/moby/moby/client rather than the older
// github.com/docker/docker/client: it is the engine's own client module,
// split from the daemon, so it brings only the API types (moby/moby/api)
// and a few small modules instead of the whole daemon tree, its options and
// results are versioned structs, and it negotiates the API version down to
// 1.40 (dockerd 20.10 and podman 4 serve 1.41).
//
// A container is found by its labels (service and rid), not by its name, so
// status finds it whatever it is called and a stray one can be reported.
// The create-time configuration is kept in a label too: Drift compares it
// with the attributes, the same way on docker and podman.
package containerdocker
