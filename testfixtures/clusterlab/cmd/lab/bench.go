package main

import "errors"

func cmdBench(g *globals, args []string) error { return errors.New("not yet") }
