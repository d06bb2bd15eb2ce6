// Package app drives application launchers: the app.forking type (the
// default) runs a launcher whose start command returns once its daemon is
// in the background, and app.simple keeps a long-running process itself.
//
// Commands (start, stop, check, info) are strings split into argv like a
// POSIX shell splits words, without any expansion. A shell runs the string
// (/bin/sh -c STRING) only when the string asks for one: shell syntax
// outside quotes (| & ; < > ( ) $ ` * ? [ ~ newline, so && and || too), a $
// or ` inside double quotes, a word starting with #, or a leading FOO=bar
// assignment. A string that starts with "sh -c" or "bash -c" is only split,
// unless shell syntax follows outside quotes ("sh -c 'x' > out"). See
// internal/cmdline.
//
// Commands run with stdin on /dev/null, in a session of their own (so a
// timeout kills the command and everything it started, and the terminal's
// signals never reach a daemon), in cwd (default "/", so no daemon keeps a
// service filesystem busy), as user when set, with the environment plus
// OMHCL_SERVICE, OMHCL_NODE, OMHCL_RID and the environment attribute.
//
// A check command's exit code maps to a state through retcodes, in the
// OpenSVC format "0:up 1:down 3:n/a"; an unlisted code is warn.
package app
