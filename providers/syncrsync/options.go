package syncrsync

import (
	"fmt"
	"strings"
)

// optionProblems are what is wrong with an operator's extra rsync
// options, as words: those that defeat how the target builds its
// receiving end, or ask for device files without devices = true. The
// target checks the command it builds all the same (checkServer): this
// says it where the configuration is checked, on the option as written.
func optionProblems(opts []string, devices bool) []string {
	var out []string
	for i := 0; i < len(opts); i++ {
		w := opts[i]
		if strings.HasPrefix(w, "--") {
			name, val, hasVal := strings.Cut(w, "=")
			if why := longRefused(name, devices); why != "" {
				out = append(out, fmt.Sprintf("options %s: %s", w, why))
			}
			if name == "--remote-option" && hasVal {
				out = append(out, optionProblems([]string{val}, devices)...)
			}
			if !hasVal && i+1 < len(opts) {
				i++ // may be its value (--exclude PATTERN): not an option
			}
			continue
		}
		if !strings.HasPrefix(w, "-") || w == "-" {
			continue
		}
		for j := 1; j < len(w); j++ {
			c := w[j]
			if why := shortRefused(c, devices); why != "" {
				out = append(out, fmt.Sprintf("options %s: -%c %s", w, c, why))
			}
			if strings.IndexByte("BeTfM@", c) < 0 {
				continue
			}
			// the rest of the word is the option's value, else the next word
			val := w[j+1:]
			if val == "" && i+1 < len(opts) {
				i++
				val = opts[i]
			}
			if c == 'M' {
				out = append(out, optionProblems([]string{val}, devices)...)
			}
			break
		}
	}
	return out
}

const (
	secluded    = "moves rsync's arguments into the stream, past the target's checks: refused"
	remoteShell = "is the data channel's to set: refused"
	noDevices   = "creates device or special files on the targets: set devices = true to create them"
	archive     = "is -rlptgoD: sync.rsync copies as -rlptgo already, and creates device or special files (-D) only with devices = true"
)

// longRefused says why a long option is refused, "" when it is not.
func longRefused(name string, devices bool) string {
	switch name {
	case "--protect-args", "--secluded-args":
		return secluded
	case "--rsh", "--rsync-path":
		return "names the command run on the target, which the data channel and the target decide: refused"
	case "--server", "--sender", "--daemon", "--read-batch", "--write-batch", "--only-write-batch":
		return "is not a copy to the targets through the data channel: refused"
	case "--archive":
		if !devices {
			return archive
		}
	case "--devices", "--specials", "--write-devices":
		if !devices {
			return noDevices
		}
	}
	return ""
}

// shortRefused says why a short option letter is refused, "" when it is
// not.
func shortRefused(c byte, devices bool) string {
	switch {
	case c == 's':
		return secluded
	case c == 'e':
		return remoteShell
	case c == 'a' && !devices:
		return archive
	case c == 'D' && !devices:
		return noDevices
	}
	return ""
}
