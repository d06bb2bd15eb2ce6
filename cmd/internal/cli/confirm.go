package cli

import (
	"bufio"
	"fmt"
	"io"
	"os"
	"strings"
)

// Confirm asks on the terminal before a change. Without a terminal (CI,
// pipes) it never prompts: autoApprove or not, the caller decides what a
// non-interactive run does.
func (e *Env) Confirm(in io.Reader, question string) bool {
	fmt.Fprintf(e.Out, "\n%s\n  Only 'yes' will be accepted to approve.\n\n  Enter a value: ", question)
	line, _ := bufio.NewReader(in).ReadString('\n')
	return strings.TrimSpace(line) == "yes"
}

// Interactive reports whether stdin and stdout are terminals.
func Interactive() bool { return IsTerminal(os.Stdin) && IsTerminal(os.Stdout) }
