package app

import (
	"fmt"
	"strconv"
	"strings"

	"github.com/omhcl/omhcl/providers"
)

// retcodes maps a check command's exit code to a state.
type retcodes map[int]providers.State

// retcodeStates are the states a retcodes entry may name.
var retcodeStates = []providers.State{providers.Up, providers.Down, providers.Warn, providers.NA, providers.Undef, providers.StdbyUp}

// parseRetcodes parses "0:up 1:down 3:n/a". The two-word state "stdby up"
// is written as is: "0:stdby up 1:down".
func parseRetcodes(s string) (retcodes, error) {
	rc := retcodes{}
	fields := strings.Fields(s)
	for i := 0; i < len(fields); i++ {
		codeText, state, ok := strings.Cut(fields[i], ":")
		if !ok {
			return nil, fmt.Errorf("%q: %q is not CODE:STATE", s, fields[i])
		}
		if state == "stdby" && i+1 < len(fields) && !strings.Contains(fields[i+1], ":") {
			i++
			state += " " + fields[i]
		}
		code, err := strconv.Atoi(codeText)
		if err != nil || code < 0 || code > 255 {
			return nil, fmt.Errorf("%q: exit code %q is not a number from 0 to 255", s, codeText)
		}
		if _, dup := rc[code]; dup {
			return nil, fmt.Errorf("%q: exit code %d is mapped twice", s, code)
		}
		st, err := retcodeState(state)
		if err != nil {
			return nil, fmt.Errorf("%q: %w", s, err)
		}
		rc[code] = st
	}
	if len(rc) == 0 {
		return nil, fmt.Errorf("%q: no CODE:STATE entry", s)
	}
	return rc, nil
}

func retcodeState(s string) (providers.State, error) {
	var names []string
	for _, st := range retcodeStates {
		if string(st) == s {
			return st, nil
		}
		names = append(names, string(st))
	}
	return "", fmt.Errorf("unknown state %q (want one of %s)", s, strings.Join(names, ", "))
}

// status returns the status a check's exit code means.
func (rc retcodes) status(code int) providers.Status {
	if st, ok := rc[code]; ok {
		return providers.Status{State: st}
	}
	return providers.Status{State: providers.Warn, Messages: []string{fmt.Sprintf("check exit code %d", code)}}
}
