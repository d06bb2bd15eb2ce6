package transport

import (
	"crypto/ed25519"
	"crypto/hkdf"
	"crypto/rand"
	"crypto/sha256"
	"encoding/json"
	"encoding/pem"
	"errors"
	"fmt"
	"os"
	"path/filepath"

	"golang.org/x/crypto/ssh"

	"github.com/omhcl/omhcl/internal/names"
)

// Identity is this node on the transport: its name, its own key, the
// keys it pinned for the others, and the cluster secret, which can
// change (om daemon join).
type Identity struct {
	Node   string
	Key    ssh.Signer
	Pins   *Pins
	Secret func() string
	// Logf, when set, receives a line per key pinned.
	Logf func(format string, args ...any)
}

// caLabel derives the cluster key, which signs the members' certificates.
const caLabel = "omhcl transport cluster key"

// KeyFile and PinsFile are where an Identity keeps its key and pins, in
// the node's state directory.
const (
	KeyFile  = "node_key"
	PinsFile = "known_nodes"
)

// LoadIdentity is node's identity kept in stateDir: its key, made on the
// first call, and its pins.
func LoadIdentity(stateDir, node string, secret func() string) (*Identity, error) {
	if !names.Valid(node) {
		return nil, fmt.Errorf("node name %q: it must match %s", node, names.Pattern)
	}
	key, err := loadOrMakeKey(filepath.Join(stateDir, KeyFile))
	if err != nil {
		return nil, err
	}
	return &Identity{Node: node, Key: key, Pins: &Pins{Path: filepath.Join(stateDir, PinsFile)}, Secret: secret}, nil
}

// loadOrMakeKey reads an ed25519 key, or makes one. A new key is written
// aside then linked into place: of two processes making it at once (the
// daemon and om node ssh), both end up with the one linked first.
func loadOrMakeKey(path string) (ssh.Signer, error) {
	if b, err := os.ReadFile(path); err == nil {
		return ssh.ParsePrivateKey(b)
	} else if !errors.Is(err, os.ErrNotExist) {
		return nil, err
	}
	_, priv, err := ed25519.GenerateKey(rand.Reader)
	if err != nil {
		return nil, err
	}
	block, err := ssh.MarshalPrivateKey(priv, "omhcl node key")
	if err != nil {
		return nil, err
	}
	if err := os.MkdirAll(filepath.Dir(path), 0o700); err != nil {
		return nil, err
	}
	tmp, err := os.CreateTemp(filepath.Dir(path), ".tmp-"+filepath.Base(path))
	if err != nil {
		return nil, err
	}
	defer os.Remove(tmp.Name())
	_, err = tmp.Write(pem.EncodeToMemory(block))
	if err == nil {
		err = tmp.Sync()
	}
	if cerr := tmp.Close(); err == nil {
		err = cerr
	}
	if err != nil {
		return nil, err
	}
	if err := os.Link(tmp.Name(), path); err != nil && !errors.Is(err, os.ErrExist) {
		return nil, err
	}
	b, err := os.ReadFile(path)
	if err != nil {
		return nil, err
	}
	return ssh.ParsePrivateKey(b)
}

// clusterKey derives the key that signs members' certificates from the
// cluster secret.
func clusterKey(secret string) (ssh.Signer, error) {
	if secret == "" {
		return nil, fmt.Errorf("no cluster secret: join a cluster first")
	}
	seed, err := hkdf.Key(sha256.New, []byte(secret), nil, caLabel, ed25519.SeedSize)
	if err != nil {
		return nil, err
	}
	return ssh.NewSignerFromKey(ed25519.NewKeyFromSeed(seed))
}

// signer is the node's key with a certificate of kind (ssh.HostCert or
// ssh.UserCert) naming it, signed by the cluster key of the current
// secret; and that cluster key, to check the other end's.
func (id *Identity) signer(kind uint32) (ssh.Signer, ssh.PublicKey, error) {
	ca, err := clusterKey(id.Secret())
	if err != nil {
		return nil, nil, err
	}
	cert := &ssh.Certificate{
		Key:             id.Key.PublicKey(),
		CertType:        kind,
		KeyId:           id.Node,
		ValidPrincipals: []string{id.Node},
		ValidBefore:     ssh.CertTimeInfinity,
	}
	if err := cert.SignCert(rand.Reader, ca); err != nil {
		return nil, nil, err
	}
	s, err := ssh.NewCertSigner(cert, id.Key)
	return s, ca.PublicKey(), err
}

// errNotMember is what a stranger is told, and all it is told.
var errNotMember = errors.New("not a member of this cluster")

// checkCert checks key is a certificate of kind, for node, signed by the
// cluster key ca, and returns the node's own key in it.
func checkCert(key ssh.PublicKey, kind uint32, node string, ca ssh.PublicKey) (ssh.PublicKey, error) {
	cert, ok := key.(*ssh.Certificate)
	if !ok || cert.CertType != kind || !sameKey(cert.SignatureKey, ca) {
		return nil, errNotMember
	}
	checker := ssh.CertChecker{}
	if err := checker.CheckCert(node, cert); err != nil {
		return nil, errNotMember
	}
	return cert.Key, nil
}

func sameKey(a, b ssh.PublicKey) bool {
	return a != nil && b != nil && string(a.Marshal()) == string(b.Marshal())
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
