package fs

import (
	"context"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/omhcl/omhcl/providers"
	"github.com/omhcl/omhcl/testfixtures/disklab"
)

// mounted returns a started ext4 driver on a fresh device.
func mounted(t *testing.T) *driver {
	t.Helper()
	disklab.RequireRoot(t)
	d := newFS(t, "ext4", strs("dev", disklab.Ext4(t, "16m"), "mnt", disklab.MountDir(t)))
	if err := d.Start(context.Background(), disklab.Log(t)); err != nil {
		t.Fatal(err)
	}
	return d
}

// holdOpen starts a child process holding a file under mnt open, killed at
// cleanup at the latest. It returns a func that kills it and waits.
func holdOpen(t *testing.T, mnt string) (pid int, release func()) {
	t.Helper()
	f, err := os.Create(filepath.Join(mnt, "held"))
	if err != nil {
		t.Fatal(err)
	}
	cmd := exec.Command("sleep", "60")
	cmd.ExtraFiles = []*os.File{f} // the child's fd 3
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	f.Close() // only the child holds it now
	var once sync.Once
	release = func() {
		once.Do(func() {
			_ = cmd.Process.Kill()
			_ = cmd.Wait()
		})
	}
	t.Cleanup(release)
	return cmd.Process.Pid, release
}

// signalWriter closes hit the first time a write contains word.
type signalWriter struct {
	w    io.Writer
	word string
	once sync.Once
	hit  chan struct{}
}

func (s *signalWriter) Write(p []byte) (int, error) {
	if strings.Contains(string(p), s.word) {
		s.once.Do(func() { close(s.hit) })
	}
	return s.w.Write(p)
}

// TestStopRetriesWhileBusy releases the mount point after the first umount
// failed: a retry must succeed.
func TestStopRetriesWhileBusy(t *testing.T) {
	d := mounted(t)
	d.busyDelay = 300 * time.Millisecond
	_, release := holdOpen(t, d.mnt())

	w := &signalWriter{w: t.Output(), word: "target is busy", hit: make(chan struct{})}
	go func() {
		<-w.hit
		release()
	}()
	log := providers.NewLog(w)
	if err := d.Stop(context.Background(), log); err != nil {
		t.Fatalf("Stop = %v, want success after a retry", err)
	}
	ops := disklab.Ops(log)
	if len(ops) < 3 || ops[0] != "umount "+d.mnt() || !strings.HasPrefix(ops[1], d.mnt()+" is busy, retry in") || ops[len(ops)-1] != "umount "+d.mnt() {
		t.Errorf("stop log = %q, want umount, retry notice, umount", ops)
	}
	if disklab.IsMounted(d.mnt()) {
		t.Error("still mounted after a successful stop")
	}
}

// TestStopFailsWhenStaysBusy names the mount point and the holder.
func TestStopFailsWhenStaysBusy(t *testing.T) {
	d := mounted(t)
	d.busyTries, d.busyDelay = 2, 50*time.Millisecond
	pid, release := holdOpen(t, d.mnt())

	log := disklab.Log(t)
	err := d.Stop(context.Background(), log)
	if err == nil {
		t.Fatal("Stop succeeded on a busy mount point")
	}
	for _, want := range []string{d.mnt() + " is still busy after 2 tries", "pid " + strconv.Itoa(pid) + " (sleep)", "target is busy"} {
		if !strings.Contains(err.Error(), want) {
			t.Errorf("Stop error %q does not say %q", err, want)
		}
	}
	if n := strings.Count(strings.Join(disklab.Ops(log), "\n"), "umount "+d.mnt()); n != 2 {
		t.Errorf("umount ran %d times, want 2", n)
	}
	wantState(t, d, providers.Up)
	release()
	act(t, d, providers.ActStop, "umount "+d.mnt())
}

func TestStopHonoursCancel(t *testing.T) {
	d := mounted(t)
	d.busyDelay = time.Minute
	holdOpen(t, d.mnt())
	ctx, cancel := context.WithTimeout(context.Background(), 300*time.Millisecond)
	defer cancel()
	start := time.Now()
	if err := d.Stop(ctx, disklab.Log(t)); err == nil || time.Since(start) > 10*time.Second {
		t.Errorf("Stop = %v after %s, want a prompt cancellation error", err, time.Since(start))
	}
}
