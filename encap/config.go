package encap

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"os"
	"path"

	"github.com/omhcl/omhcl/state"
)

// exitNoConfig: the agent has no configuration of the service, or an
// older one than the node's.
const exitNoConfig = 4

// ConfigDir is where agents keep the configurations the node pushes: the
// stored-configuration directory om reads when /etc/omhcl has no file.
const ConfigDir = state.DefaultRoot + "/config"

// ConfigEntry is a service configuration as nodes keep the distributed
// ones: the text, its generation and hash.
type ConfigEntry struct {
	Service string `json:"service"`
	Gen     int64  `json:"generation"`
	Hash    string `json:"hash"`
	Origin  string `json:"origin"`
	Source  string `json:"source"`
}

// HashSource is the hash of a configuration text in entries.
func HashSource(src []byte) string {
	h := sha256.Sum256(src)
	return hex.EncodeToString(h[:8])
}

// configArgs tell the agent which configuration the node has, so it can
// ask for it (exitNoConfig) when its own is missing or older.
func (a *Agents) configArgs(svc string) []string {
	if a.Source == nil {
		return nil
	}
	src := a.Source(svc)
	if src == nil {
		return nil
	}
	return []string{"--config-hash", HashSource(src)}
}

// pushConfig copies the node's configuration of the service into the
// container, as a stored entry.
func (a *Agents) pushConfig(ctx context.Context, c call) error {
	if a.Source == nil {
		return nil
	}
	src := a.Source(c.h.Service)
	if src == nil {
		return nil
	}
	b, err := json.MarshalIndent(ConfigEntry{Service: c.h.Service, Gen: 1, Hash: HashSource(src), Origin: "node", Source: string(src)}, "", "  ")
	if err != nil {
		return err
	}
	tmp, err := os.CreateTemp("", "omhcl-encap-*.json")
	if err != nil {
		return err
	}
	defer os.Remove(tmp.Name())
	tmp.Write(b)
	tmp.Close()
	dst := path.Join(ConfigDir, c.h.Service+".json")
	if err := c.x.CopyIn(ctx, tmp.Name(), dst, 0o600); err != nil {
		return fmt.Errorf("%s (%s): push the configuration to %s: %w", c.h.Container, c.h.Node, dst, err)
	}
	return nil
}
