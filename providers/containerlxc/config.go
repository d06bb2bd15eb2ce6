package containerlxc

import (
	"fmt"
	"os"
	"path/filepath"
	"sort"
	"strings"
)

// keyValue is one "key = value" line of an lxc config file.
type keyValue struct{ Key, Value string }

func (kv keyValue) String() string { return kv.Key + " = " + kv.Value }

// managedKeys are the config lines the driver owns, in the order written:
// no network of its own unless the config map sets lxc.net.* (the
// service's addresses come from ip.netns in its namespace), the hostname,
// then the config map sorted.
func managedKeys(hostname string, cfg map[string]string) []keyValue {
	var out []keyValue
	ownNet := false
	for k := range cfg {
		ownNet = ownNet || strings.HasPrefix(k, "lxc.net.")
	}
	if !ownNet {
		out = append(out, keyValue{"lxc.net.0.type", "empty"})
	}
	if hostname != "" {
		out = append(out, keyValue{"lxc.uts.name", hostname})
	}
	for _, k := range sortedKeys(cfg) {
		out = append(out, keyValue{k, cfg[k]})
	}
	return out
}

// rewriteConfig drops the block written last time and the lines setting a
// managed key (the template's lxc.uts.name), then appends the managed
// lines, so that writing twice changes nothing and a key removed from the
// config map goes away.
func rewriteConfig(text string, keys []keyValue) string {
	set := map[string]bool{}
	for _, kv := range keys {
		set[kv.Key] = true
	}
	text, _, _ = strings.Cut(text, managedMark)
	var out []string
	for _, line := range strings.Split(strings.TrimRight(text, "\n"), "\n") {
		k, _, ok := strings.Cut(line, "=")
		if ok && set[strings.TrimSpace(k)] {
			continue
		}
		out = append(out, line)
	}
	out = append(out, managedMark)
	for _, kv := range keys {
		out = append(out, kv.String())
	}
	return strings.Join(out, "\n") + "\n"
}

// managedMark heads the lines the driver writes.
const managedMark = "# omhcl: set by container.lxc"

// writeConfig sets keys in the container's config file, atomically.
func writeConfig(path string, keys []keyValue) error {
	old, err := os.ReadFile(path)
	if err != nil {
		return fmt.Errorf("read lxc config: %w", err)
	}
	text := rewriteConfig(string(old), keys)
	if text == string(old) {
		return nil
	}
	tmp := filepath.Join(filepath.Dir(path), ".config.omhcl")
	if err := os.WriteFile(tmp, []byte(text), 0o640); err != nil {
		return fmt.Errorf("write lxc config: %w", err)
	}
	if err := os.Rename(tmp, path); err != nil {
		return fmt.Errorf("write lxc config: %w", err)
	}
	return nil
}

// configValue returns the last value of key in an lxc config file's text.
func configValue(text, key string) string {
	val := ""
	for _, line := range strings.Split(text, "\n") {
		k, v, ok := strings.Cut(line, "=")
		if ok && strings.TrimSpace(k) == key {
			val = strings.Trim(strings.TrimSpace(v), `"`)
		}
	}
	return val
}

func sortedKeys(m map[string]string) []string {
	out := make([]string, 0, len(m))
	for k := range m {
		out = append(out, k)
	}
	sort.Strings(out)
	return out
}
