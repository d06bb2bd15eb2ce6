package providers

import (
	"context"
	"os"
)

// Executor is implemented by container drivers that can run a command
// inside their running container and copy a file into it: what an agent
// living in the container is installed and driven with.
type Executor interface {
	// Exec runs argv inside the container, as its root, and returns what
	// it wrote and its exit code; it returns when ctx ends. err is for a command that could not be run at all
	// (container down, tool missing); a command failing inside the
	// container is a non-zero code with a nil err.
	Exec(ctx context.Context, argv []string) (stdout, stderr []byte, code int, err error)
	// CopyIn copies the host file src to the absolute path dst inside the
	// container, with mode, creating dst's missing directories.
	CopyIn(ctx context.Context, src, dst string, mode os.FileMode) error
}
