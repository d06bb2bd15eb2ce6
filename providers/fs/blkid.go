package fs

import (
	"context"
	"errors"
	"fmt"
	"os/exec"
	"strings"

	"github.com/omhcl/omhcl/providers"
)

// signature is what blkid finds on a device: a filesystem or a partition
// table. Either one means mkfs would destroy data.
type signature struct {
	fstype string
	pttype string
}

func (s signature) empty() bool { return s.fstype == "" && s.pttype == "" }

// describe names the signature for the log: "a ext4 filesystem",
// "a xfs filesystem (not ext4)", "a dos partition table".
func (s signature) describe(want string) string {
	switch {
	case s.fstype == want:
		return "a " + s.fstype + " filesystem"
	case s.fstype != "":
		return "a " + s.fstype + " filesystem (not " + want + ")"
	}
	return "a " + s.pttype + " partition table"
}

// signature probes dev with blkid. -p reads the device itself rather than
// blkid's cache, which may remember a filesystem wiped a moment ago.
func (d *driver) signature(ctx context.Context) (signature, error) {
	out, err := providers.Output(ctx, "blkid", "-p", "-o", "export", d.dev())
	var exit *exec.ExitError
	if errors.As(err, &exit) && exit.ExitCode() == 2 {
		return signature{}, nil // nothing found: a blank device
	}
	if err != nil {
		return signature{}, fmt.Errorf("%s: probe %s for a filesystem: %w", d.r.RID(), d.dev(), err)
	}
	var sig signature
	for _, line := range strings.Split(out, "\n") {
		k, v, _ := strings.Cut(line, "=")
		switch k {
		case "TYPE":
			sig.fstype = v
		case "PTTYPE":
			sig.pttype = v
		}
	}
	if sig.empty() {
		sig.fstype = "unrecognized" // found something blkid does not name
	}
	return sig, nil
}
