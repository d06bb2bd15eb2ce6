package providers

import (
	"bytes"
	"fmt"
	"sync"
)

// ExecOutputMax bounds what an Executor keeps of each stream of a
// command run in a container. What the command prints is the
// container's to choose (its tenant may replace the agent), and the node
// must not buffer it without end: an agent's answer is a few kB.
const ExecOutputMax = 1 << 20

// CappedBuffer keeps what is written to it, up to Max bytes. The write
// that would go past Max fails, keeps nothing of itself, and calls Over
// (once), which should stop the command: its output is of no use any
// more, and a command that prints for ever must not run for ever.
type CappedBuffer struct {
	Max  int
	Over func()

	mu   sync.Mutex
	buf  bytes.Buffer
	over bool
}

func (c *CappedBuffer) Write(p []byte) (int, error) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.over || c.buf.Len()+len(p) > c.Max {
		if !c.over && c.Over != nil {
			c.Over()
		}
		c.over = true
		return 0, c.err("")
	}
	return c.buf.Write(p)
}

// Bytes is what was written, all of it when Err is nil.
func (c *CappedBuffer) Bytes() []byte {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.buf.Bytes()
}

// Err says, for the stream named, that more than Max was written to it;
// nil when not.
func (c *CappedBuffer) Err(stream string) error {
	c.mu.Lock()
	defer c.mu.Unlock()
	if !c.over {
		return nil
	}
	return c.err(stream)
}

func (c *CappedBuffer) err(stream string) error {
	if stream != "" {
		stream += " "
	}
	return fmt.Errorf("the command wrote %sover %s: stopped, its output dropped", stream, sizeName(c.Max))
}

// sizeName is n in MiB or bytes.
func sizeName(n int) string {
	if n >= 1<<20 && n%(1<<20) == 0 {
		return fmt.Sprintf("%d MiB", n>>20)
	}
	return fmt.Sprintf("%d bytes", n)
}

// ExecStreams are an Exec's stdout and stderr buffers, capped at
// ExecOutputMax each; over calls stop, once, when either overflows.
func ExecStreams(stop func()) (stdout, stderr *CappedBuffer) {
	var once sync.Once
	over := func() { once.Do(stop) }
	return &CappedBuffer{Max: ExecOutputMax, Over: over}, &CappedBuffer{Max: ExecOutputMax, Over: over}
}

// ExecOverflow is the error of an Exec one of whose streams overflowed;
// nil when neither did.
func ExecOverflow(stdout, stderr *CappedBuffer) error {
	if err := stdout.Err("stdout"); err != nil {
		return err
	}
	return stderr.Err("stderr")
}
