package syncrsync

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"
	"time"

	"github.com/omhcl/omhcl/providers"
)

// The receiving end of a sync.rsync copy, on the target.
//
// A member's rsync asks the target, through the data channel, to run
// `rsync --server OPTIONS . DST/`. The target never runs that argv: it
// builds the one its own copy of the resource makes (serverArgv), compares
// the member's with it, and runs its own. Of the member's words, only
// rsync's capability letters are taken (receiveAs).

// ReceiveDst is DST in `rsync --server ... . DST`, the form of every
// request rsync sends; the rest of argv is for ReceiveCommand to judge.
func (d *driver) ReceiveDst(argv []string) (string, bool, error) {
	if len(argv) < 2 || argv[0] != "rsync" || argv[1] != "--server" {
		return "", false, nil
	}
	n := len(argv)
	if n < 4 || argv[n-2] != "." || !filepath.IsAbs(argv[n-1]) {
		return "", true, fmt.Errorf("rsync --server %s: want \". DST\" last, DST an absolute path (secluded arguments, -s, are refused): the receiving node builds rsync's command from its own copy of the sync resource writing to DST", strings.Join(argv[2:], " "))
	}
	return filepath.Clean(argv[n-1]), true, nil
}

// ReceiveCommand is the rsync --server this node's copy of the resource
// makes for a copy into req.Dst, with the member's capability letters,
// when the member asked for exactly that one.
func (d *driver) ReceiveCommand(ctx context.Context, req providers.SyncReceive) ([]string, error) {
	want, err := d.serverArgv(ctx, req.Dst)
	if err != nil {
		return nil, fmt.Errorf("%s.%s: %w", d.r.Service, d.r.RID(), err)
	}
	run, ok := receiveAs(want, req.Argv)
	if !ok {
		return nil, fmt.Errorf("%s.%s on %s receives into %s with %q only, not %q (e.* holds the sender's capability letters): the sending node's copy of the resource differs from this node's, or other options were typed",
			d.r.Service, d.r.RID(), d.r.Node, req.Dst, shown(want), strings.Join(req.Argv, " "))
	}
	return run, nil
}

// serverArgv is the receiving end that a sender's rsync, run with this
// resource's options, asks for a copy into dst: asked of rsync itself
// rather than derived, because rsync's client decides how its options
// reach the server (bundled letters, --bwlimit in KiB, the options only
// a receiver needs) and that changes between versions. The rsync client
// of this node runs a copy of an empty directory to "target:DST/", with
// the sender's command line (clientArgv), and as its remote shell a sh
// that only writes its arguments, NUL-separated, to a file named by the
// environment, and exits. rsync has then spawned it with the whole
// server command, reads the end of the stream, and fails ("connection
// unexpectedly closed", exit 12): no data moves, and nothing but that
// file is written. The same rsync binary, found in PATH, then runs the
// server side.
func (d *driver) serverArgv(ctx context.Context, dst string) ([]string, error) {
	tmp, err := os.MkdirTemp("", "omhcl-rsync-argv-")
	if err != nil {
		return nil, err
	}
	defer os.RemoveAll(tmp)
	src, out := filepath.Join(tmp, "empty"), filepath.Join(tmp, "argv")
	if err := os.Mkdir(src, 0o700); err != nil {
		return nil, err
	}
	ctx, cancel := context.WithTimeout(ctx, 10*time.Second)
	defer cancel()
	const capture = `sh -c 'printf "%s\0" "$@" >"$OMHCL_RSYNC_ARGV"' capture`
	argv := d.clientArgv(capture, src, "target", dst)
	var stderr bytes.Buffer
	cmd := exec.CommandContext(ctx, argv[0], argv[1:]...)
	cmd.Env = append(rsyncEnv(), "OMHCL_RSYNC_ARGV="+out)
	cmd.Stdout, cmd.Stderr = &stderr, &stderr
	cmd.WaitDelay = time.Second
	cmd.Run() // fails once the remote shell exits: what it wrote is the point
	b, err := os.ReadFile(out)
	if err != nil {
		return nil, fmt.Errorf("rsync gave its remote shell no command (%s): %s", strings.Join(argv, " "), strings.TrimSpace(stderr.String()))
	}
	words := strings.Split(strings.TrimSuffix(string(b), "\x00"), "\x00")
	if len(words) < 2 || words[0] != "target" {
		return nil, fmt.Errorf("rsync ran its remote shell with %q, not \"target\" then the command", words)
	}
	return words[1:], checkServer(words[1:], dst, d.r.Bool("devices"))
}

// checkServer checks the receiving end built from this node's own
// configuration: rsync --server receiving into dst and nowhere else,
// its options on its command line (not secluded in the stream), and no
// device nor special files unless the resource asks for them. An
// operator's options (-M...) can reach this far past the CheckAttrs.
func checkServer(argv []string, dst string, devices bool) error {
	n := len(argv)
	if n < 4 || argv[0] != "rsync" || argv[1] != "--server" || argv[n-2] != "." || argv[n-1] != strings.TrimSuffix(dst, "/")+"/" {
		return fmt.Errorf("its options make rsync ask for %q, not rsync --server OPTIONS . %s/ (options: -s, --rsync-path?)", strings.Join(argv, " "), dst)
	}
	for _, w := range argv[2 : n-2] {
		name, _, _ := strings.Cut(w, "=")
		letters := shortLetters(w)
		switch {
		case name == "--sender":
			return errors.New("its options make rsync ask the target to send (--sender)")
		case name == "--secluded-args" || name == "--protect-args" || strings.Contains(letters, "s"):
			return errors.New("its options make rsync read its arguments from the stream (-s, --secluded-args), past this node's checks")
		case !devices && (strings.Contains(letters, "D") || slices.Contains([]string{"--devices", "--specials", "--write-devices"}, name)):
			return fmt.Errorf("its options ask rsync for device or special files (%s): set devices = true to create them", w)
		}
	}
	return nil
}

// shortLetters are the leading letters of a word of short options
// ("-lHogtprSe.iLsfxCIvu": lHogtprSe, the capability letters after the
// dot left out; "-T/tmp": T), "" for a long option or another word.
func shortLetters(w string) string {
	if !strings.HasPrefix(w, "-") || strings.HasPrefix(w, "--") {
		return ""
	}
	end := 1
	for end < len(w) && lettersOnly(w[end:end+1]) {
		end++
	}
	return w[1:end]
}

// receiveAs is the command to run for the member's request got when it
// is want but for rsync's capability letters: in server mode, the letters
// after "e." in the first bundle of short options are the client's
// protocol capabilities ("-lHogtprSe.iLsfxCIvu": iLsfxCIvu), not options.
// They vary with the client's build and are taken, letters only; every
// other word must be the one this node built.
func receiveAs(want, got []string) ([]string, bool) {
	if len(got) != len(want) {
		return nil, false
	}
	run := slices.Clone(want)
	for i := range want {
		if got[i] == want[i] {
			continue
		}
		prefix, _, ok := strings.Cut(want[i], "e.")
		if i != 2 || !ok || !strings.HasPrefix(got[i], prefix+"e.") || !lettersOnly(got[i][len(prefix)+2:]) {
			return nil, false
		}
		run[i] = got[i]
	}
	return run, true
}

func lettersOnly(s string) bool {
	for _, c := range s {
		if (c < 'a' || c > 'z') && (c < 'A' || c > 'Z') {
			return false
		}
	}
	return len(s) <= 32
}

// shown is a built command as a refusal names it: the capability
// letters, the sender's, as e.*.
func shown(argv []string) string {
	out := slices.Clone(argv)
	if len(out) > 2 {
		if prefix, _, ok := strings.Cut(out[2], "e."); ok && strings.HasPrefix(out[2], "-") {
			out[2] = prefix + "e.*"
		}
	}
	return strings.Join(out, " ")
}

// clientArgv is rsync copying src to dst on host through the remote
// shell command shell: the sender's command, and the one the target
// runs to learn what a sender asks it to run (serverArgv).
func (d *driver) clientArgv(shell, src, host, dst string) []string {
	argv := append([]string{"rsync"}, d.rsyncOptions()...)
	return append(argv, "-e", shell, strings.TrimSuffix(src, "/")+"/", host+":"+strings.TrimSuffix(dst, "/")+"/")
}

// rsyncEnv is this process's environment without rsync's own variables
// (RSYNC_PROTECT_ARGS, RSYNC_PARTIAL_DIR, RSYNC_RSH...), which would
// change the command a sender's rsync asks for: sender and target build
// it from the resource alone.
func rsyncEnv() []string {
	return slices.DeleteFunc(os.Environ(), func(kv string) bool { return strings.HasPrefix(kv, "RSYNC_") })
}
