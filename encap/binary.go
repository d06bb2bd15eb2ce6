package encap

import (
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"sync"
)

// build is an om binary and its SHA-256, the identity agents compare.
type build struct {
	path, sha string
}

var (
	selfOnce sync.Once
	self     build
	selfErr  error
)

// binary is the om the node installs into containers.
func (a *Agents) binary() (build, error) {
	if a.Binary != "" {
		return hashed(a.Binary)
	}
	return Self()
}

// Self is the om binary of this node: this executable when it is om, else
// the om beside it (omapply, the tests' binaries), else om on the PATH.
func Self() (build, error) {
	selfOnce.Do(func() {
		var path string
		path, selfErr = findOM()
		if selfErr == nil {
			self, selfErr = hashed(path)
		}
	})
	return self, selfErr
}

func findOM() (string, error) {
	exe, err := os.Executable()
	if err == nil {
		if filepath.Base(exe) == "om" {
			return exe, nil
		}
		if p := filepath.Join(filepath.Dir(exe), "om"); isFile(p) {
			return p, nil
		}
	}
	if p, err := exec.LookPath("om"); err == nil {
		return p, nil
	}
	return "", fmt.Errorf("no om binary to install in containers: none beside %s nor on the PATH", exe)
}

func isFile(p string) bool {
	fi, err := os.Stat(p)
	return err == nil && fi.Mode().IsRegular()
}

func hashed(path string) (build, error) {
	f, err := os.Open(path)
	if err != nil {
		return build{}, fmt.Errorf("the om binary to install in containers: %w", err)
	}
	defer f.Close()
	h := sha256.New()
	if _, err := io.Copy(h, f); err != nil {
		return build{}, fmt.Errorf("the om binary to install in containers: %w", err)
	}
	return build{path: path, sha: hex.EncodeToString(h.Sum(nil))}, nil
}

// SelfSHA is the SHA-256 of the running executable, which an agent
// compares with the build the node expects.
func SelfSHA() (string, error) {
	exe, err := os.Executable()
	if err != nil {
		return "", err
	}
	b, err := hashed(exe)
	return b.sha, err
}
