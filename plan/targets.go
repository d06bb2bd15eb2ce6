package plan

import (
	"fmt"
	"slices"
	"strings"
)

// Resource addresses, as plans print them and -target takes them:
//
//	web            every resource of service web
//	web.app        every app resource of web
//	web.ip#0       one resource
//
// A target selects its resources with what they need for the change the
// plan makes to them, as Terraform's -target does: a resource going up
// brings up what it depends on (the resources it refers to, and those of
// its depends_on), a resource going down takes down what depends on it.
// The default kind order (ip, disk, fs, container, app, sync) orders the
// steps but is no dependency: -target web.app#web starts no address the
// app does not refer to.

// ParseAddress splits a resource address into its service and its rid, or
// kind ("" for the whole service). The level inside a container
// ("web[vm1].app#web") is no target: --slave NODE --rid RID acts there.
func ParseAddress(addr string) (svc, rid string, err error) {
	if strings.ContainsAny(addr, "[]") {
		return "", "", fmt.Errorf("%q: a resource inside a container is not a target address; act on that level with --slave NODE --rid RID", addr)
	}
	svc, rid, _ = strings.Cut(addr, ".")
	if svc == "" || (strings.Contains(addr, ".") && rid == "") {
		return "", "", fmt.Errorf("%q is not a resource address: want SERVICE, SERVICE.KIND or SERVICE.KIND#NAME, as plans print them (web.ip#0)", addr)
	}
	return svc, rid, nil
}

// targeted says whether svc is named by one of the targets (every service
// is, without targets).
func (o Options) targeted(svc string) bool {
	if len(o.Targets) == 0 {
		return true
	}
	for _, t := range o.Targets {
		if s, _, err := ParseAddress(t); err == nil && s == svc {
			return true
		}
	}
	return false
}

// forInput turns the targets into the resources of in's service they
// select, with their dependencies or dependents: the options Build and
// the checks then apply like --rid. A target naming the whole service
// leaves every resource selected.
func (o Options) forInput(in Input) Options {
	if len(o.Targets) == 0 {
		return o
	}
	targets := o.Targets
	o.Targets, o.Tags, o.RIDs = nil, nil, []string{}
	var named []string
	for _, t := range targets {
		svc, rid, err := ParseAddress(t)
		if err != nil || svc != in.Instance.Service {
			continue
		}
		if rid == "" {
			o.RIDs = nil
			return o
		}
		named = append(named, rid)
	}
	g := newGraph(in)
	for _, want := range named {
		for _, rid := range g.rids {
			if SelectsRID(want, rid) {
				o.RIDs = g.closure(o.RIDs, rid, g.up[rid])
			}
		}
		if !slices.Contains(g.rids, want) && !slices.Contains(o.RIDs, want) {
			o.RIDs = append(o.RIDs, want) // a resource removed from the configuration, or a kind
		}
	}
	return o
}

// graph is a service's explicit dependencies, on the node and in the
// levels inside its containers, and whether the plan wants each resource
// up.
type graph struct {
	rids       []string
	up         map[string]bool
	deps, rdep map[string][]string
}

func newGraph(in Input) *graph {
	g := &graph{up: map[string]bool{}, deps: map[string][]string{}, rdep: map[string][]string{}}
	levels := []Input{in}
	for _, e := range in.Encaps {
		levels = append(levels, e.Input)
	}
	for i, x := range levels {
		if x.Instance == nil {
			continue
		}
		for _, r := range x.Instance.Resources {
			rid := r.RID()
			if _, ok := g.up[rid]; !ok {
				g.rids = append(g.rids, rid)
			}
			if i == 0 || r.Common.Encap { // a level inside decides for its own resources
				g.up[rid] = wantUp(x.Target, r)
			}
			for _, d := range x.Instance.References[rid] {
				g.deps[rid] = appendNew(g.deps[rid], d)
				g.rdep[d] = appendNew(g.rdep[d], rid)
			}
		}
	}
	return g
}

// closure adds rid to set, with what it depends on when up, or what
// depends on it otherwise, transitively.
func (g *graph) closure(set []string, rid string, up bool) []string {
	if slices.Contains(set, rid) {
		return set
	}
	set = append(set, rid)
	next := g.rdep[rid]
	if up {
		next = g.deps[rid]
	}
	for _, n := range next {
		set = g.closure(set, n, up)
	}
	return set
}

func appendNew(list []string, s string) []string {
	if slices.Contains(list, s) {
		return list
	}
	return append(list, s)
}
