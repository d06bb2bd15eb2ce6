// Package e2e drives the built omplan, omapply and om binaries the way a
// user does, on real namespaces, loop devices, filesystems and processes.
// The tests need root; they skip with the reason otherwise.
package e2e
