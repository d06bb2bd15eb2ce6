// Package cli holds what the omplan, omapply and om commands share: the
// common flags, configuration loading with diagnostics, node identity,
// colors and exit codes.
package cli

import (
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"
	"time"

	"github.com/hashicorp/hcl/v2"
	"github.com/omhcl/omhcl/lang"
	"github.com/omhcl/omhcl/plan"
	_ "github.com/omhcl/omhcl/providers/all" // every driver, for every command
	"github.com/omhcl/omhcl/state"
	"github.com/spf13/pflag"
	"golang.org/x/sys/unix"
)

// DefaultConfigDir is where a node keeps its service files.
const DefaultConfigDir = "/etc/omhcl"

// ErrReported is returned after the error was already printed (HCL
// diagnostics); main exits 1 without printing it again.
var ErrReported = errors.New("reported")

// Reported is an error already printed that still says what it was (for
// a JSON outcome): it is ErrReported to errors.Is.
type Reported struct{ Err error }

func (r Reported) Error() string        { return r.Err.Error() }
func (r Reported) Unwrap() error        { return r.Err }
func (r Reported) Is(target error) bool { return target == ErrReported }

// ExitError carries a specific exit code (omplan -detailed-exitcode).
type ExitError struct{ Code int }

func (e ExitError) Error() string { return fmt.Sprintf("exit %d", e.Code) }

// Env holds the flags every command shares.
type Env struct {
	Node        string
	StateDir    string
	NoColor     bool
	LockTimeout time.Duration
	// Refresh asks agents inside containers for their status now.
	Refresh  bool
	Out, Err io.Writer
}

// New returns an Env writing to stdout and stderr.
func New() *Env { return &Env{Out: os.Stdout, Err: os.Stderr} }

// AddFlags registers the shared flags.
func (e *Env) AddFlags(fs *pflag.FlagSet) {
	fs.StringVar(&e.Node, "node", "", "act as this node (default $OMHCL_NODE, else the host name)")
	fs.StringVar(&e.StateDir, "state-dir", "", "node state directory (default $OMHCL_STATE_DIR, else "+state.DefaultRoot+")")
	fs.BoolVar(&e.NoColor, "no-color", false, "never color the output (also: NO_COLOR set)")
}

// AddLockFlag registers --lock-timeout for commands that change a node.
func (e *Env) AddLockFlag(fs *pflag.FlagSet) {
	fs.DurationVar(&e.LockTimeout, "lock-timeout", 30*time.Second, "how long to wait for another run holding a service's lock")
}

// NodeName is the node this run acts as.
func (e *Env) NodeName() string {
	if e.Node != "" {
		return e.Node
	}
	if n := os.Getenv("OMHCL_NODE"); n != "" {
		return n
	}
	h, err := os.Hostname()
	if err != nil {
		return "localhost"
	}
	return strings.SplitN(h, ".", 2)[0]
}

// Store opens the node's state directory.
func (e *Env) Store() *state.Store { return state.Open(e.StateDir) }

// Colors says whether to color output written to w.
func (e *Env) Colors(w io.Writer) plan.Colors {
	if e.NoColor || os.Getenv("NO_COLOR") != "" {
		return false
	}
	return plan.Colors(IsTerminal(w))
}

// IsTerminal reports whether w is a terminal.
func IsTerminal(w any) bool {
	f, ok := w.(*os.File)
	if !ok {
		return false
	}
	_, err := unix.IoctlGetTermios(int(f.Fd()), unix.TCGETS)
	return err == nil
}

// ConfigPaths returns the paths to load: the arguments, else
// $OMHCL_CONFIG, else DefaultConfigDir.
func ConfigPaths(args []string) []string {
	if len(args) > 0 {
		return args
	}
	if p := os.Getenv("OMHCL_CONFIG"); p != "" {
		return filepath.SplitList(p)
	}
	return []string{DefaultConfigDir}
}

// LoadConfig loads the configuration, printing diagnostics with source
// snippets. It fails with ErrReported when there are errors. When the
// paths hold no .hcl file but the cluster daemon distributed services to
// this node, those are the configuration.
func (e *Env) LoadConfig(paths []string) (*lang.Config, error) {
	if stored := e.Store().ConfigSources(); !HasHCL(paths) && len(stored) > 0 {
		return e.LoadFiles(stored)
	}
	cfg, diags := lang.Load(paths...)
	return e.loaded(cfg, diags)
}

// LoadFiles loads configuration texts by file name, printing diagnostics
// as LoadConfig does.
func (e *Env) LoadFiles(files map[string][]byte) (*lang.Config, error) {
	cfg, diags := lang.LoadFiles(files)
	return e.loaded(cfg, diags)
}

func (e *Env) loaded(cfg *lang.Config, diags hcl.Diagnostics) (*lang.Config, error) {
	if len(diags) > 0 {
		var files map[string]*hcl.File
		if cfg != nil {
			files = cfg.Files
		}
		lang.WriteDiagnostics(e.Err, files, diags, bool(e.Colors(e.Err)))
	}
	if diags.HasErrors() {
		return nil, ErrReported
	}
	return cfg, nil
}

// HasHCL reports whether paths name .hcl files or directories holding some
// (else LoadConfig loads the services the cluster daemon distributed).
func HasHCL(paths []string) bool {
	for _, p := range paths {
		fi, err := os.Stat(p)
		if err != nil && p == DefaultConfigDir && os.IsNotExist(err) {
			continue // a node (or a container) with distributed services only
		}
		if err != nil {
			return true // let Load report it
		}
		if !fi.IsDir() {
			return true
		}
		if m, _ := filepath.Glob(filepath.Join(p, "*.hcl")); len(m) > 0 {
			return true
		}
	}
	return false
}
