package main

import "testing"

// The agent recognizes the daemon of its container by its command line,
// whatever the path to om and the flags.
func TestIsDaemonRun(t *testing.T) {
	for _, tc := range []struct {
		argv []string
		want bool
	}{
		{[]string{"/usr/local/bin/om", "daemon", "run", "--bind", "198.18.10.1:7956"}, true},
		{[]string{"om", "--state-dir", "/srv/om", "daemon", "run"}, true},
		{[]string{"/usr/local/bin/om", "daemon", "join", "--secret", "x"}, false},
		{[]string{"/usr/local/bin/om", "agent", "status", "daemon", "--node", "run"}, false},
		{[]string{"/usr/local/bin/om", "--node", "daemon", "run"}, false},
		{[]string{"/usr/local/bin/om", "--node=vm1", "daemon", "run"}, true},
		{[]string{"/bin/sh", "-c", "om daemon run"}, false},
		{[]string{"/opt/omlab/bin/demoweb", "serve"}, false},
		{[]string{"om", "daemon"}, false},
	} {
		if got := isDaemonRun(tc.argv); got != tc.want {
			t.Errorf("isDaemonRun(%q) = %v, want %v", tc.argv, got, tc.want)
		}
	}
}
