package syncbtrfs

import (
	"encoding/binary"
	"errors"
	"fmt"
	"io"
	"strings"
)

// A btrfs send stream, as `btrfs receive` reads it: a header
// ("btrfs-stream\0", le32 version), then commands, each a header (le32
// length of what follows, le16 command, le32 crc32c) and attributes
// (le16 type, le16 length, value; in version 2 and later the data of a
// write has no length: the rest of the command).
const (
	streamMagic     = "btrfs-stream\x00"
	streamHeaderLen = len(streamMagic) + 4
	cmdHeaderLen    = 10
	// maxCmdLen bounds one command, held whole before it is passed on:
	// version 1 commands are at most 64 KiB, version 2 ones about 144 KiB.
	maxCmdLen = 16 << 20
)

// The commands and attributes the guard reads.
const (
	cmdSubvol   = 1
	cmdSnapshot = 2
	cmdLink     = 10
	cmdEnd      = 21

	attrPath      = 15
	attrPathTo    = 16
	attrPathLink  = 17
	attrData      = 19
	attrClonePath = 22
)

// cmdNames are the commands' names, as btrfs receive --dump says them.
var cmdNames = []string{"unspec", "subvol", "snapshot", "mkfile", "mkdir", "mknod", "mkfifo", "mksock", "symlink",
	"rename", "link", "unlink", "rmdir", "set_xattr", "remove_xattr", "write", "clone", "truncate", "chmod",
	"chown", "utimes", "end", "update_extent", "fallocate", "fileattr", "encoded_write", "enable_verity"}

func cmdName(op uint16) string {
	if int(op) < len(cmdNames) {
		return cmdNames[op]
	}
	return fmt.Sprintf("command %d", op)
}

// errOutside marks a stream that names a path outside what it receives.
var errOutside = errors.New("outside the received snapshot")

// guardStream copies a send stream from in to out, one command at a time,
// each passed on only once it is read whole and checked: the stream
// creates one subvolume, name (a snapshot of the parent when incremental,
// whole otherwise), and every path it names (where a command writes, a
// rename's target, a hard link's source, a clone's source) is relative and
// never climbs with "..". `btrfs receive` runs chrooted into the
// snapshot directory (Receive.Run): this makes a stream that tries to
// leave it fail, rather than land in the snapshot directory, and
// nothing of the bad command reaches btrfs receive. It returns after the
// end command; an error when in ends before it.
func guardStream(out io.Writer, in io.Reader, name string, incremental bool) error {
	head := make([]byte, streamHeaderLen)
	if _, err := io.ReadFull(in, head); err != nil {
		return fmt.Errorf("reading the stream's header: %w", err)
	}
	if string(head[:len(streamMagic)]) != streamMagic {
		return errors.New("not a btrfs send stream")
	}
	version := binary.LittleEndian.Uint32(head[len(streamMagic):])
	if _, err := out.Write(head); err != nil {
		return err
	}
	buf := make([]byte, 64<<10)
	for n := 0; ; n++ {
		if _, err := io.ReadFull(in, buf[:cmdHeaderLen]); err != nil {
			return cut(err)
		}
		size := binary.LittleEndian.Uint32(buf)
		if size > maxCmdLen {
			return fmt.Errorf("a stream command of %d bytes: refused (at most %d)", size, maxCmdLen)
		}
		if need := cmdHeaderLen + int(size); need > len(buf) {
			buf = append(buf, make([]byte, need-len(buf))...)
		}
		cmd := buf[:cmdHeaderLen+int(size)]
		if _, err := io.ReadFull(in, cmd[cmdHeaderLen:]); err != nil {
			return cut(err)
		}
		if err := checkCommand(cmd, version, n, name, incremental); err != nil {
			return err
		}
		if _, err := out.Write(cmd); err != nil {
			return err
		}
		if binary.LittleEndian.Uint16(cmd[4:]) == cmdEnd {
			return nil
		}
	}
}

// cut says a read error is the end of a stream cut short (the sender,
// its node or the link killed): btrfs receive must not take what came
// as a snapshot.
func cut(err error) error {
	if err == io.EOF || err == io.ErrUnexpectedEOF {
		return errors.New("the stream ended before its end command: cut short")
	}
	return err
}

// checkCommand checks the n-th command of a stream (its header included).
func checkCommand(cmd []byte, version uint32, n int, name string, incremental bool) error {
	op := binary.LittleEndian.Uint16(cmd[4:])
	attrs, err := parseAttrs(cmd[cmdHeaderLen:], version)
	if err != nil {
		return err
	}
	want := uint16(cmdSubvol)
	if incremental {
		want = cmdSnapshot
	}
	switch {
	case n == 0 && (op != want || string(attrs[attrPath]) != name):
		return fmt.Errorf("the stream begins with %s %q, not the %s %s announced: refused", cmdName(op), attrs[attrPath], map[bool]string{true: "incremental snapshot", false: "whole subvolume"}[incremental], name)
	case n > 0 && (op == cmdSubvol || op == cmdSnapshot):
		return fmt.Errorf("the stream makes a second subvolume, %q: refused", attrs[attrPath])
	}
	paths := []int{attrPath, attrPathTo, attrClonePath}
	if op == cmdLink {
		paths = append(paths, attrPathLink) // a symbolic link's target is its content, a hard link's source a path
	}
	for _, a := range paths {
		if p, ok := attrs[a]; ok && !inside(string(p)) {
			return fmt.Errorf("the stream's %s names %q: %w: refused", cmdName(op), p, errOutside)
		}
	}
	return nil
}

// parseAttrs reads a command's attributes by type (the last one of a type
// counts, as in btrfs receive).
func parseAttrs(b []byte, version uint32) (map[int][]byte, error) {
	attrs := map[int][]byte{}
	for len(b) > 0 {
		if len(b) < 2 {
			return nil, errors.New("a stream command ends inside an attribute")
		}
		typ := int(binary.LittleEndian.Uint16(b))
		if version >= 2 && typ == attrData {
			attrs[typ] = b[2:]
			return attrs, nil
		}
		if len(b) < 4 {
			return nil, errors.New("a stream command ends inside an attribute")
		}
		size := int(binary.LittleEndian.Uint16(b[2:]))
		if len(b) < 4+size {
			return nil, errors.New("a stream attribute runs past its command")
		}
		attrs[typ] = b[4 : 4+size]
		b = b[4+size:]
	}
	return attrs, nil
}

// inside reports whether a path of the stream stays in the snapshot it
// builds: relative, no "..", no NUL.
func inside(p string) bool {
	if strings.HasPrefix(p, "/") || strings.ContainsRune(p, 0) {
		return false
	}
	for _, c := range strings.Split(p, "/") {
		if c == ".." {
			return false
		}
	}
	return true
}
