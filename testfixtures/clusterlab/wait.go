package clusterlab

import (
	"fmt"
	"time"

	"github.com/omhcl/omhcl/wire"
)

// PollEvery is how often Await asks again.
const PollEvery = 200 * time.Millisecond

// Await asks cond every PollEvery until it returns nil, for at most
// timeout. Past it, the error says what was awaited and cond's last
// answer: "waited 30s for WHAT: LAST". cond's error says what it sees.
func Await(timeout time.Duration, what string, cond func() error) error {
	deadline := time.Now().Add(timeout)
	for {
		err := cond()
		if err == nil {
			return nil
		}
		if time.Now().After(deadline) {
			return fmt.Errorf("waited %s for %s: %v", timeout, what, err)
		}
		time.Sleep(PollEvery)
	}
}

// AwaitMon waits until node's daemon shows, in `om mon --json`, what cond
// checks: "waited 30s for node2's daemon to show WHAT: LAST".
func (r *Rig) AwaitMon(node string, timeout time.Duration, what string, cond func(*wire.MonView) error) error {
	return Await(timeout, node+"'s daemon to show "+what, func() error {
		v, err := r.Mon(node)
		if err != nil {
			return err
		}
		return cond(v)
	})
}
