package transport

import (
	"bufio"
	"bytes"
	"errors"
	"fmt"
	"os"
	"sort"
	"strings"
	"sync"

	"golang.org/x/crypto/ssh"

	"github.com/omhcl/omhcl/internal/atomicfile"
	"github.com/omhcl/omhcl/internal/names"
)

// Pins are the keys of the other nodes, one per node name, pinned at
// their first authenticated contact and kept in a file, a line per node:
// "NAME ssh-ed25519 BASE64". The file is read again at each check, so a
// pin that another process wrote (om node ssh, the daemon) or that the
// operator removed (om node unpin) counts at once.
type Pins struct {
	Path string
	mu   sync.Mutex
}

// ErrKeyChanged is a node that shows a key other than the one pinned.
var ErrKeyChanged = errors.New("key changed")

// Check says whether key may be node's: pinned as node's, or not pinned
// yet (Pin it once it has proven it holds it).
func (p *Pins) Check(node string, key ssh.PublicKey) error {
	p.mu.Lock()
	defer p.mu.Unlock()
	pins, err := p.read()
	if err != nil {
		return err
	}
	if old, ok := pins[node]; ok && !sameKey(old, key) {
		return fmt.Errorf("%s: %w since it was pinned (%s, now %s): refused; if %s was reinstalled, run `om node unpin %s` on this node",
			node, ErrKeyChanged, ssh.FingerprintSHA256(old), ssh.FingerprintSHA256(key), node, node)
	}
	return nil
}

// Pin records key as node's, unless node has one already: a race of two
// first contacts keeps the first, and the second then fails its Check.
func (p *Pins) Pin(node string, key ssh.PublicKey) (bool, error) {
	if !names.Valid(node) {
		return false, fmt.Errorf("node name %q: not pinned", node)
	}
	p.mu.Lock()
	defer p.mu.Unlock()
	pins, err := p.read()
	if err != nil || pins[node] != nil {
		return false, err
	}
	pins[node] = key
	return true, p.write(pins)
}

// Unpin forgets node's key: its next contact pins the key it shows.
func (p *Pins) Unpin(node string) (bool, error) {
	p.mu.Lock()
	defer p.mu.Unlock()
	pins, err := p.read()
	if err != nil || pins[node] == nil {
		return false, err
	}
	delete(pins, node)
	return true, p.write(pins)
}

// List returns the pinned keys by node.
func (p *Pins) List() (map[string]ssh.PublicKey, error) {
	p.mu.Lock()
	defer p.mu.Unlock()
	return p.read()
}

func (p *Pins) read() (map[string]ssh.PublicKey, error) {
	pins := map[string]ssh.PublicKey{}
	b, err := os.ReadFile(p.Path)
	if errors.Is(err, os.ErrNotExist) {
		return pins, nil
	} else if err != nil {
		return nil, err
	}
	sc := bufio.NewScanner(bytes.NewReader(b))
	for n := 1; sc.Scan(); n++ {
		name, rest, _ := strings.Cut(strings.TrimSpace(sc.Text()), " ")
		if name == "" || strings.HasPrefix(name, "#") {
			continue
		}
		key, _, _, _, err := ssh.ParseAuthorizedKey([]byte(rest))
		if err != nil || !names.Valid(name) {
			// a pin unread would be a key accepted anew: refuse them all
			return nil, fmt.Errorf("%s:%d: not a pinned key (NAME KEYTYPE BASE64): fix or remove the line", p.Path, n)
		}
		pins[name] = key
	}
	return pins, nil
}

func (p *Pins) write(pins map[string]ssh.PublicKey) error {
	nodes := make([]string, 0, len(pins))
	for n := range pins {
		nodes = append(nodes, n)
	}
	sort.Strings(nodes)
	var b bytes.Buffer
	b.WriteString("# the keys of the other nodes, pinned at their first contact (om node unpin NODE forgets one)\n")
	for _, n := range nodes {
		fmt.Fprintf(&b, "%s %s", n, ssh.MarshalAuthorizedKey(pins[n]))
	}
	return atomicfile.Write(p.Path, b.Bytes(), 0o600)
}
