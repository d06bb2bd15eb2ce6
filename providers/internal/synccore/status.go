package synccore

import (
	"fmt"
	"time"

	"github.com/omhcl/omhcl/providers"
	"github.com/omhcl/omhcl/providers/syncrecord"
)

// Status compares each target's last good sync with maxDelay. A node
// that never synced (it does not run the service) has nothing to say.
func Status(dir string, maxDelay time.Duration) providers.Status {
	rec, err := syncrecord.Load(dir)
	if err != nil {
		return providers.Status{State: providers.Warn, Messages: []string{err.Error()}}
	}
	if len(rec.Targets) == 0 {
		return providers.Status{State: providers.NA, Messages: []string{"no sync from this node yet"}}
	}
	st := providers.Status{State: providers.Up}
	for _, node := range rec.Nodes() {
		t := rec.Targets[node]
		age := time.Since(t.Last).Round(time.Second)
		msg := fmt.Sprintf("%s: last sync %s ago, %s", node, age, BytesText(t.Bytes))
		if t.Last.IsZero() {
			msg = fmt.Sprintf("%s: never synced", node)
		}
		if t.Error != "" {
			msg += "; then failed: " + t.Error
		}
		if age > maxDelay || t.Last.IsZero() {
			st.State = providers.Warn
			msg = "warn: " + msg + fmt.Sprintf(" (max_delay %s)", maxDelay)
		}
		st.Messages = append(st.Messages, msg)
	}
	return st
}
