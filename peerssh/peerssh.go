// Package peerssh is the cluster's channel for data between nodes (the
// syncs of issue 9: rsync and btrfs send streams): an SSH server in each
// daemon, on its peer port, and its client, `om node ssh NODE ARGV...`,
// which rsync uses as its remote shell (rsync -e "om node ssh").
//
// Why SSH, and golang.org/x/crypto/ssh rather than the peer API: the
// peer API signs its requests (method, path, node, time), not their
// bodies, which is enough for reports but not for a stream that writes
// files: a replayed request could carry any data. SSH authenticates and
// encrypts the whole stream, with keys no operator has to exchange: both
// the host key and the client key are derived from the cluster secret
// (HKDF-SHA256), so every member, and only a member, is both a trusted
// host and an authorized client. No sshd runs, no authorized_keys file is
// written, and nothing listens on a port of its own: the daemon tells an
// SSH client from an HTTP one by its first bytes.
//
// A command is an argv (JSON in the exec request, never a shell line),
// which the server's Authorize accepts or refuses before it runs, and may
// map to the command that serves it.
package peerssh

import (
	"crypto/ed25519"
	"crypto/hkdf"
	"crypto/sha256"
	"encoding/json"
	"fmt"

	"golang.org/x/crypto/ssh"
)

// Key labels: the same secret gives the two keys, never one for both.
const (
	hostLabel   = "omhcl peerssh host key"
	clientLabel = "omhcl peerssh client key"
)

// keyOf derives an ed25519 signer from the cluster secret.
func keyOf(secret, label string) (ssh.Signer, error) {
	if secret == "" {
		return nil, fmt.Errorf("no cluster secret: join a cluster first")
	}
	seed, err := hkdf.Key(sha256.New, []byte(secret), nil, label, ed25519.SeedSize)
	if err != nil {
		return nil, err
	}
	return ssh.NewSignerFromKey(ed25519.NewKeyFromSeed(seed))
}

// encodeArgv is the exec request's command: the argv as JSON.
func encodeArgv(argv []string) string {
	b, _ := json.Marshal(argv)
	return string(b)
}

func decodeArgv(cmd string) ([]string, error) {
	var argv []string
	if err := json.Unmarshal([]byte(cmd), &argv); err != nil || len(argv) == 0 {
		return nil, fmt.Errorf("not an argv: %q", cmd)
	}
	return argv, nil
}
