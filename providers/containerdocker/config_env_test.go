package containerdocker

import "testing"

// A node whose engine listens elsewhere says so once, as docker's and
// podman's own clients read it.
func TestDefaultSocketFollowsTheHostVariable(t *testing.T) {
	t.Setenv("DOCKER_HOST", "unix:///var/tmp/node1/docker.sock")
	if got := defaultSocket("docker"); got != "/var/tmp/node1/docker.sock" {
		t.Errorf("docker socket with DOCKER_HOST set: %q", got)
	}
	t.Setenv("DOCKER_HOST", "tcp://10.0.0.1:2375") // not a unix socket: the usual one
	if got := defaultSocket("docker"); got != "/var/run/docker.sock" {
		t.Errorf("docker socket with a tcp DOCKER_HOST: %q", got)
	}
	t.Setenv("CONTAINER_HOST", "")
	if got := defaultSocket("podman"); got != "/run/podman/podman.sock" {
		t.Errorf("podman socket: %q", got)
	}
}
