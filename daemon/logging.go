package daemon

import (
	"bytes"
	"fmt"
	"io"
	"log/slog"
	"runtime/debug"
	"strings"
)

// The daemon's log: log/slog, a level on every line, RFC 3339 times with
// their date, key=value text (LogText) or one JSON object a line
// (LogJSON). Call sites stay printf-like: logf for what happens, warnf
// for refusals and what an operator should look at, errorf for failures.

// Log formats (Options.LogFormat, om daemon run --log-format).
const (
	LogText = "text"
	LogJSON = "json"
)

// newLogger is the daemon's logger on w, every line naming node.
func newLogger(w io.Writer, format, node string) (*slog.Logger, error) {
	opts := &slog.HandlerOptions{Level: slog.LevelInfo}
	var h slog.Handler
	switch format {
	case "", LogText:
		h = slog.NewTextHandler(w, opts)
	case LogJSON:
		h = slog.NewJSONHandler(w, opts)
	default:
		return nil, fmt.Errorf("log format %q: want %s or %s", format, LogText, LogJSON)
	}
	return slog.New(h).With("node", node), nil
}

// logger is the daemon's logger; a Daemon made without New (tests) logs
// as text on opts.Log.
func (d *Daemon) logger() *slog.Logger {
	if d.log != nil {
		return d.log
	}
	w := d.opts.Log
	if w == nil {
		w = io.Discard
	}
	l, _ := newLogger(w, LogText, d.opts.Node)
	return l
}

func (d *Daemon) logf(format string, args ...any) {
	d.logger().Info(fmt.Sprintf(format, args...))
}

func (d *Daemon) warnf(format string, args ...any) {
	d.logger().Warn(fmt.Sprintf(format, args...))
}

func (d *Daemon) errorf(format string, args ...any) {
	d.logger().Error(fmt.Sprintf(format, args...))
}

// transportLogf logs the transport's lines: its refusals as warnings.
func (d *Daemon) transportLogf(format string, args ...any) {
	msg := fmt.Sprintf(format, args...)
	if strings.Contains(msg, "refused") || strings.Contains(msg, "not a member") || strings.Contains(msg, "key changed") {
		d.logger().Warn(msg)
		return
	}
	d.logger().Info(msg)
}

// prefixWriter sends the engine's driver log (a resource header, then
// its operations) to the daemon log, a line each, with the service.
type prefixWriter struct {
	d   *Daemon
	svc string
}

func (w prefixWriter) Write(b []byte) (int, error) {
	l := w.d.logger()
	for _, line := range bytes.Split(bytes.TrimRight(b, "\n"), []byte("\n")) {
		if len(bytes.TrimSpace(line)) > 0 {
			l.Info(string(line), "service", w.svc)
		}
	}
	return len(b), nil
}

// buildInfo names the daemon's build: its module version and VCS
// revision when the build recorded them.
func buildInfo() string {
	bi, ok := debug.ReadBuildInfo()
	if !ok {
		return "unknown"
	}
	out := bi.Main.Version
	for _, s := range bi.Settings {
		if s.Key == "vcs.revision" && len(s.Value) >= 12 {
			out += " " + s.Value[:12]
		}
	}
	return out + " " + bi.GoVersion
}
