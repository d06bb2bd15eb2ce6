package providers

import (
	"fmt"
	"io"
	"strings"
	"sync"
)

// Log records what a driver does to the system, in the seed's format:
//
//	@ n:demo1 o:svc1 r:ip#0 sc:n
//	  ip addr add 198.18.0.10/24 dev br-prd
//	  | command output
//
// The header is printed before the first line of each resource. Every line
// is also kept, so callers (tests, JSON output) can inspect what ran.
type Log struct {
	mu     *sync.Mutex
	w      io.Writer
	header string
	// last is the header printed last, shared by every log of one run, so
	// a header repeats only when another resource logged in between.
	last  *string
	lines *[]string
}

// NewLog returns a log writing to w (io.Discard for none).
func NewLog(w io.Writer) *Log {
	last := ""
	return &Log{mu: &sync.Mutex{}, w: w, last: &last, lines: &[]string{}}
}

// For returns a log whose lines carry the header of resource rid of service
// svc on node. It shares the writer and line record of l.
func (l *Log) For(node, svc, rid string) *Log {
	return &Log{mu: l.mu, w: l.w, header: fmt.Sprintf("@ n:%s o:%s r:%s sc:n", node, svc, rid), last: l.last, lines: l.lines}
}

// Op logs an operation about to change the system: a command line or a
// netlink call, written as the equivalent command.
func (l *Log) Op(format string, args ...any) { l.line("  ", fmt.Sprintf(format, args...)) }

// Info logs a remark: "ip 198.18.0.10 is already up on br-prd".
func (l *Log) Info(format string, args ...any) { l.line("  ", fmt.Sprintf(format, args...)) }

// Output logs the output of a command, each line prefixed by "| ".
func (l *Log) Output(text string) {
	for _, s := range strings.Split(strings.TrimRight(text, "\n"), "\n") {
		if s != "" {
			l.line("  | ", s)
		}
	}
}

// Lines returns every line logged so far through l or logs sharing it.
func (l *Log) Lines() []string {
	l.mu.Lock()
	defer l.mu.Unlock()
	return append([]string(nil), (*l.lines)...)
}

func (l *Log) line(prefix, s string) {
	l.mu.Lock()
	defer l.mu.Unlock()
	if l.header != "" && *l.last != l.header {
		*l.last = l.header
		*l.lines = append(*l.lines, l.header)
		fmt.Fprintln(l.w, l.header)
	}
	*l.lines = append(*l.lines, prefix+s)
	fmt.Fprintln(l.w, prefix+s)
}
