// Package atomicfile replaces files whole: a reader sees the old content
// or the new, never a part.
package atomicfile

import (
	"os"
	"path/filepath"
)

// Write replaces path with data, mode perm. The copy is written next to
// path under a hidden name that keeps no extension of path's (no loader
// globbing *.hcl reads it half-written), synced, then renamed over path.
func Write(path string, data []byte, perm os.FileMode) error {
	f, err := os.CreateTemp(filepath.Dir(path), ".tmp-"+filepath.Base(path))
	if err != nil {
		return err
	}
	defer os.Remove(f.Name())
	_, err = f.Write(data)
	if err == nil {
		err = f.Chmod(perm)
	}
	if err == nil {
		err = f.Sync()
	}
	if cerr := f.Close(); err == nil {
		err = cerr
	}
	if err != nil {
		return err
	}
	return os.Rename(f.Name(), path)
}
