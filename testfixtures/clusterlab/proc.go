package clusterlab

import (
	"fmt"
	"os"
	"strconv"
	"strings"
	"syscall"
	"time"
)

// Proc identifies a process across runs of the lab tool: its pid and its
// start time in clock ticks, so a reused pid is never mistaken for it.
type Proc struct {
	PID   int
	Start uint64
}

// procStat returns the state letter and start time of pid from
// /proc/PID/stat.
func procStat(pid int) (state string, start uint64, err error) {
	b, err := os.ReadFile(fmt.Sprintf("/proc/%d/stat", pid))
	if err != nil {
		return "", 0, err
	}
	// The command name (field 2) may hold spaces and parentheses: fields
	// are counted after its closing parenthesis.
	s := string(b)
	i := strings.LastIndexByte(s, ')')
	if i < 0 {
		return "", 0, fmt.Errorf("/proc/%d/stat: unexpected format", pid)
	}
	f := strings.Fields(s[i+1:])
	if len(f) < 20 {
		return "", 0, fmt.Errorf("/proc/%d/stat: %d fields", pid, len(f))
	}
	start, err = strconv.ParseUint(f[19], 10, 64) // field 22, starttime
	return f[0], start, err
}

// procOf returns the Proc of a running pid.
func procOf(pid int) (Proc, error) {
	_, start, err := procStat(pid)
	return Proc{PID: pid, Start: start}, err
}

// Alive tells whether the process still runs (a zombie does not).
func (p Proc) Alive() bool {
	if p.PID <= 0 {
		return false
	}
	state, start, err := procStat(p.PID)
	return err == nil && start == p.Start && state != "Z"
}

// kill sends SIGKILL and waits up to 5 s for the process to be gone.
func (p Proc) kill() error {
	if !p.Alive() {
		return nil
	}
	if err := syscall.Kill(p.PID, syscall.SIGKILL); err != nil && err != syscall.ESRCH {
		return fmt.Errorf("kill -9 %d: %v", p.PID, err)
	}
	deadline := time.Now().Add(5 * time.Second)
	for p.Alive() {
		if time.Now().After(deadline) {
			return fmt.Errorf("pid %d still alive 5s after kill -9", p.PID)
		}
		time.Sleep(5 * time.Millisecond)
	}
	return nil
}

// nsPids lists the processes in network namespace ns (zombies excluded:
// they no longer hold a namespace).
func nsPids(ns string) ([]int, error) {
	out, err := runCmd("ip", "netns", "pids", ns)
	if err != nil {
		return nil, err
	}
	var pids []int
	for _, f := range strings.Fields(out) {
		if pid, err := strconv.Atoi(f); err == nil {
			pids = append(pids, pid)
		}
	}
	return pids, nil
}

// killNS sends SIGKILL to every process in network namespace ns until none
// is left: a dying parent may fork one last child.
func killNS(ns string) error {
	deadline := time.Now().Add(10 * time.Second)
	for {
		pids, err := nsPids(ns)
		if err != nil || len(pids) == 0 {
			return err
		}
		if time.Now().After(deadline) {
			return fmt.Errorf("processes %v still in netns %s 10s after kill -9", pids, ns)
		}
		for _, pid := range pids {
			if pid != os.Getpid() { // a thread of ours visiting the namespace
				_ = syscall.Kill(pid, syscall.SIGKILL) // it may be gone already
			}
		}
		time.Sleep(10 * time.Millisecond)
	}
}

// Pids lists the processes running in node's network namespace.
func (r *Rig) Pids(node string) ([]int, error) {
	n, err := r.Node(node)
	if err != nil {
		return nil, err
	}
	return nsPids(n.NS)
}

// FindProcess returns the pids in node's network namespace whose command
// line contains every one of words (the app: "demoweb", "serve").
func (r *Rig) FindProcess(node string, words ...string) ([]int, error) {
	pids, err := r.Pids(node)
	if err != nil {
		return nil, err
	}
	var found []int
	for _, pid := range pids {
		b, err := os.ReadFile(fmt.Sprintf("/proc/%d/cmdline", pid))
		if err != nil {
			continue // gone meanwhile
		}
		if containsAll(strings.ReplaceAll(string(b), "\x00", " "), words) {
			found = append(found, pid)
		}
	}
	return found, nil
}

func containsAll(s string, words []string) bool {
	for _, w := range words {
		if !strings.Contains(s, w) {
			return false
		}
	}
	return true
}
