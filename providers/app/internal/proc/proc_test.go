package proc

import (
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"
	"syscall"
	"testing"
	"time"
)

func TestParseStatOddCommandName(t *testing.T) {
	text := "4242 (a) b (c)) S 1 4240 4239 0 -1 4194560 90 0 0 0 0 0 0 0 20 0 1 0 987654 1000 100\n"
	s, err := ParseStat(text)
	if err != nil {
		t.Fatal(err)
	}
	want := Stat{Pid: 4242, State: 'S', PPid: 1, Pgrp: 4240, Session: 4239, StartTime: 987654}
	if s != want {
		t.Errorf("ParseStat = %+v, want %+v", s, want)
	}
}

func TestParseStatMalformed(t *testing.T) {
	for _, text := range []string{"", "12 no parens", "x (a) S 1 2 3", "12 (a) S 1 2", "12 (a) S 1 x 3 0 -1 0 0 0 0 0 0 0 0 0 20 0 1 0 5"} {
		if _, err := ParseStat(text); err == nil {
			t.Errorf("ParseStat(%q) accepted", text)
		}
	}
}

func TestReadStatSelf(t *testing.T) {
	s, err := ReadStat(os.Getpid())
	if err != nil {
		t.Fatal(err)
	}
	if s.Pid != os.Getpid() || s.PPid != os.Getppid() || s.Pgrp != syscall.Getpgrp() || s.StartTime == 0 || s.Zombie() {
		t.Errorf("ReadStat(self) = %+v", s)
	}
	if !Alive(s.Pid, s.StartTime) || Alive(s.Pid, s.StartTime+1) {
		t.Error("Alive does not compare the start time")
	}
}

func TestZombieIsNotAlive(t *testing.T) {
	cmd := exec.Command("true")
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { cmd.Wait() })
	var s Stat
	deadline := time.Now().Add(2 * time.Second)
	for {
		var err error
		s, err = ReadStat(cmd.Process.Pid)
		if err != nil {
			t.Fatal(err)
		}
		if s.Zombie() || time.Now().After(deadline) {
			break
		}
		time.Sleep(10 * time.Millisecond)
	}
	if !s.Zombie() || Alive(s.Pid, s.StartTime) {
		t.Errorf("an exited, unreaped child counts as alive: %+v", s)
	}
}

func TestSessionAndGroupMembers(t *testing.T) {
	cmd := exec.Command("sh", "-c", "sleep 30 & sleep 30 & wait")
	cmd.SysProcAttr = &syscall.SysProcAttr{Setsid: true}
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	pid := cmd.Process.Pid
	t.Cleanup(func() { syscall.Kill(-pid, syscall.SIGKILL); cmd.Wait() })
	leader, err := ReadStat(pid)
	if err != nil {
		t.Fatal(err)
	}
	var members []int
	for deadline := time.Now().Add(2 * time.Second); len(members) < 3 && time.Now().Before(deadline); {
		time.Sleep(20 * time.Millisecond)
		if members, err = SessionMembers(pid, leader.StartTime); err != nil {
			t.Fatal(err)
		}
	}
	if len(members) != 3 || !slices.Contains(members, pid) {
		t.Fatalf("SessionMembers = %v, want the shell %d and its 2 sleeps", members, pid)
	}
	if later, _ := SessionMembers(pid, leader.StartTime+1_000_000); len(later) != 0 {
		t.Errorf("SessionMembers ignores the start time bound: %v", later)
	}
	group, err := GroupMembers(pid)
	if err != nil || !slices.Equal(group, members) {
		t.Errorf("GroupMembers = %v, %v; want %v", group, err, members)
	}
	syscall.Kill(-pid, syscall.SIGKILL)
	cmd.Wait()
	// The sleeps are orphans now; on machines whose init does not reap
	// they stay zombies, which must not count.
	deadline := time.Now().Add(2 * time.Second)
	for members, _ = SessionMembers(pid, leader.StartTime); len(members) > 0 && time.Now().Before(deadline); {
		time.Sleep(20 * time.Millisecond)
		members, _ = SessionMembers(pid, leader.StartTime)
	}
	if len(members) != 0 {
		t.Errorf("SessionMembers after SIGKILL = %v, want none", members)
	}
}

func TestPidFileRoundTrip(t *testing.T) {
	path := filepath.Join(t.TempDir(), "app.pid")
	if _, ok, err := ReadPidFile(path); ok || err != nil {
		t.Fatalf("missing pid file: ok=%v err=%v", ok, err)
	}
	want := PidFile{Pid: 1234, StartTime: 98765}
	if err := WritePidFile(path, want); err != nil {
		t.Fatal(err)
	}
	got, ok, err := ReadPidFile(path)
	if err != nil || !ok || got != want {
		t.Fatalf("ReadPidFile = %+v %v %v, want %+v", got, ok, err, want)
	}
	if err := RemovePidFile(path); err != nil {
		t.Fatal(err)
	}
	if err := RemovePidFile(path); err != nil {
		t.Errorf("removing a missing pid file: %v", err)
	}
}

func TestPidFileGarbage(t *testing.T) {
	dir := t.TempDir()
	for i, content := range []string{"", "12", "abc 12", "12 abc", "-3 12", "0 5", "1 2 3"} {
		path := filepath.Join(dir, "p"+string(rune('a'+i)))
		os.WriteFile(path, []byte(content), 0o600)
		_, ok, err := ReadPidFile(path)
		if ok || err == nil || !strings.Contains(err.Error(), path) {
			t.Errorf("ReadPidFile(%q) = ok %v, err %v; want an error naming the file", content, ok, err)
		}
	}
}
