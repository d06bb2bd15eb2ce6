package syncbtrfs

import (
	"bytes"
	"context"
	"crypto/rand"
	"encoding/binary"
	"hash/crc32"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

// sendStream writes a btrfs send stream, version 1, as the kernel does:
// enough of one to hand `btrfs receive` what a member could craft.
type sendStream struct{ b bytes.Buffer }

func newSendStream() *sendStream {
	s := &sendStream{}
	s.b.WriteString(streamMagic)
	binary.Write(&s.b, binary.LittleEndian, uint32(1))
	return s
}

// attr is one attribute of a command: its type and value.
type attr struct {
	typ int
	val []byte
}

func str(typ int, s string) attr { return attr{typ, []byte(s)} }

func u64(typ int, v uint64) attr {
	return attr{typ, binary.LittleEndian.AppendUint64(nil, v)}
}

// Attribute types of the commands below (fs/btrfs/send.h).
const (
	attrUUID     = 1
	attrCtransid = 2
	attrIno      = 3
	attrMode     = 5
	attrRdev     = 8
)

var castagnoli = crc32.MakeTable(crc32.Castagnoli)

// cmd appends one command: its header (length, command, crc32c over the
// whole command with the crc field zero), then its attributes.
func (s *sendStream) cmd(op uint16, attrs ...attr) *sendStream {
	var body []byte
	for _, a := range attrs {
		body = binary.LittleEndian.AppendUint16(body, uint16(a.typ))
		body = binary.LittleEndian.AppendUint16(body, uint16(len(a.val)))
		body = append(body, a.val...)
	}
	c := binary.LittleEndian.AppendUint32(nil, uint32(len(body)))
	c = binary.LittleEndian.AppendUint16(c, op)
	c = append(c, 0, 0, 0, 0)
	c = append(c, body...)
	// btrfs's crc32c: seed 0, no final inversion
	binary.LittleEndian.PutUint32(c[6:], ^crc32.Update(^uint32(0), castagnoli, c))
	s.b.Write(c)
	return s
}

// subvol begins a whole subvolume, name.
func (s *sendStream) subvol(name string) *sendStream {
	uuid := make([]byte, 16)
	rand.Read(uuid)
	return s.cmd(cmdSubvol, str(attrPath, name), attr{attrUUID, uuid}, u64(attrCtransid, 7))
}

const (
	cmdMkfile  = 3
	cmdMkdir   = 4
	cmdMknod   = 5
	cmdSymlink = 8
)

// The stream is what a member sends: a path in it that leaves the
// snapshot it builds ("../"), or that goes through a symbolic link the
// stream made to a directory outside, fails the receive, and writes
// nothing outside; the previous copy stays, and the next good sync
// replaces it as usual. A stream that creates another subvolume than the
// one announced, or a second one, fails the same way.
func TestStreamNamingAPathOutsideFails(t *testing.T) {
	l := newLab(t)
	write(t, filepath.Join(l.src, "data"), 1<<20, 0)
	l.sync(t)
	before, _ := os.ReadFile(filepath.Join(l.dst, "data"))
	root := filepath.Dir(filepath.Dir(l.dst)) // the lab's directory, beside the target's mount
	outside := t.TempDir()

	for _, c := range []struct {
		what   string
		stream func(name string) *sendStream
		landed []string // where the stream tries to write, outside
		want   string
	}{
		{"a file at ../../../escaped", func(name string) *sendStream {
			return newSendStream().subvol(name).cmd(cmdMkfile, str(attrPath, "../../../escaped"), u64(attrIno, 257)).cmd(cmdEnd)
		}, []string{filepath.Join(root, "escaped")}, "outside the received snapshot"},
		{"a directory renamed to ../../../moved", func(name string) *sendStream {
			return newSendStream().subvol(name).cmd(cmdMkdir, str(attrPath, "d"), u64(attrIno, 257)).
				cmd(9, str(attrPath, "d"), str(attrPathTo, "../../../moved")).cmd(cmdEnd)
		}, []string{filepath.Join(root, "moved")}, "outside the received snapshot"},
		{"a device node at ../../../dev0", func(name string) *sendStream {
			return newSendStream().subvol(name).cmd(cmdMknod, str(attrPath, "../../../dev0"), u64(attrIno, 257), u64(attrMode, 0o20644), u64(attrRdev, 0x103)).cmd(cmdEnd)
		}, []string{filepath.Join(root, "dev0")}, "outside the received snapshot"},
		{"a file through a link to a directory outside", func(name string) *sendStream {
			return newSendStream().subvol(name).cmd(cmdSymlink, str(attrPath, "out"), u64(attrIno, 257), str(attrPathLink, outside)).
				cmd(cmdMkfile, str(attrPath, "out/escaped"), u64(attrIno, 258)).cmd(cmdEnd)
		}, []string{filepath.Join(outside, "escaped")}, "mkfile out/escaped failed"}, // chrooted: no such directory
		{"another subvolume than announced", func(name string) *sendStream {
			return newSendStream().subvol("../../../evil").cmd(cmdEnd)
		}, []string{filepath.Join(root, "evil")}, "not the whole subvolume"},
		{"a second subvolume", func(name string) *sendStream {
			return newSendStream().subvol(name).cmd(cmdEnd).subvol(name + "x").cmd(cmdEnd)
		}, nil, ""},
	} {
		name := newSnapshotName()
		rc := Receive{Dst: l.dst, Name: name, Keep: 2}
		var stderr bytes.Buffer
		err := rc.Run(context.Background(), bytes.NewReader(c.stream(name).b.Bytes()), &stderr)
		if c.want == "" { // the first subvolume is received, the rest never reaches btrfs receive
			if err != nil {
				t.Errorf("%s: %v", c.what, err)
			}
			if ents, _ := os.ReadDir(snapDir(l.dst)); len(ents) > 2 {
				t.Errorf("%s: %s holds %d entries", c.what, snapDir(l.dst), len(ents))
			}
			continue
		}
		t.Logf("%s: %v\n%s", c.what, err, stderr.String())
		if err == nil || !strings.Contains(err.Error()+"\n"+stderr.String(), c.want) {
			t.Errorf("%s: %v, want an error with %q\n%s", c.what, err, c.want, stderr.String())
		}
		for _, p := range c.landed {
			if _, err := os.Lstat(p); err == nil {
				t.Errorf("%s: %s written", c.what, p)
				os.RemoveAll(p)
			}
		}
		if after, _ := os.ReadFile(filepath.Join(l.dst, "data")); !bytes.Equal(before, after) {
			t.Fatalf("%s: the previous copy changed", c.what)
		}
		if slicesHas(snapshots(snapDir(l.dst)), name) {
			t.Errorf("%s: the refused snapshot %s left in %s", c.what, name, snapDir(l.dst))
		}
	}
	if ents, _ := os.ReadDir(outside); len(ents) > 0 {
		t.Errorf("written in a directory outside: %v", ents)
	}
	// the next good sync replaces the copy as before
	write(t, filepath.Join(l.src, "data"), 64<<10, 0)
	l.sync(t)
	sameFile(t, filepath.Join(l.src, "data"), filepath.Join(l.dst, "data"))
}

func slicesHas(list []string, s string) bool {
	for _, x := range list {
		if x == s {
			return true
		}
	}
	return false
}

// The guard passes what btrfs send makes, byte for byte: whole and
// incremental streams, protocol 1 and 2 (whose writes carry their data
// without a length).
func TestGuardPassesRealStreams(t *testing.T) {
	l := newLab(t)
	write(t, filepath.Join(l.src, "data"), 256<<10, 0)
	ctx := context.Background()
	first, err := l.d.snapshot(ctx, l.log, l.src)
	if err != nil {
		t.Fatal(err)
	}
	time.Sleep(time.Millisecond)
	write(t, filepath.Join(l.src, "data"), 64<<10, 0)
	os.Symlink("../../../etc", filepath.Join(l.src, "link")) // a symbolic link's target is content
	second, err := l.d.snapshot(ctx, l.log, l.src)
	if err != nil {
		t.Fatal(err)
	}
	dir := snapDir(l.src)
	for _, c := range []struct {
		args        []string
		name        string
		incremental bool
	}{
		{[]string{filepath.Join(dir, first)}, first, false},
		{[]string{"-p", filepath.Join(dir, first), filepath.Join(dir, second)}, second, true},
		{[]string{"--proto", "2", filepath.Join(dir, second)}, second, false},
		{[]string{"--proto", "2", "-p", filepath.Join(dir, first), filepath.Join(dir, second)}, second, true},
	} {
		stream, err := exec.Command("btrfs", append([]string{"send", "-q"}, c.args...)...).Output()
		if err != nil {
			t.Fatalf("btrfs send %v: %v", c.args, err)
		}
		var out bytes.Buffer
		if err := guardStream(&out, bytes.NewReader(stream), c.name, c.incremental); err != nil || !bytes.Equal(out.Bytes(), stream) {
			t.Errorf("btrfs send %v: %v, %d of %d bytes passed", c.args, err, out.Len(), len(stream))
		}
		if err := guardStream(io.Discard, bytes.NewReader(stream), c.name, !c.incremental); err == nil {
			t.Errorf("btrfs send %v passed as the other kind of send", c.args)
		}
	}
}
