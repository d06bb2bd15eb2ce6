package lang

import (
	"container/heap"
	"fmt"
	"sort"
	"strings"

	"github.com/hashicorp/hcl/v2"
)

// computeOrder sets the start order and direct dependencies of the blocks.
//
// Explicit edges (references, depends_on) are hard. The kind order (ip <
// disk < fs < container < app < sync) is soft: the blocks are sorted
// topologically along explicit edges only, picking the lowest (kind,
// declaration) among the ready ones. A kind-order edge "b after a" is kept
// when that order has a before b, and dropped otherwise: it contradicted an
// explicit edge, as when ip.x refers to container.c and so starts after it.
// Kind-order edges thus never create cycles; only explicit ones can.
func (s *Service) computeOrder() hcl.Diagnostics {
	n := len(s.Blocks)
	if cycle := s.findCycle(); cycle != nil {
		s.order = make([]int, n)
		for i := range s.order {
			s.order[i] = i
		}
		sort.SliceStable(s.order, func(i, j int) bool { return s.Blocks[s.order[i]].rank < s.Blocks[s.order[j]].rank })
		s.deps = make([][]int, n)
		for i, b := range s.Blocks {
			s.deps[i] = b.refs
		}
		return hcl.Diagnostics{s.cycleDiag(cycle)}
	}
	s.order = s.topoSort()
	pos := make([]int, n)
	for p, i := range s.order {
		pos[i] = p
	}
	s.deps = make([][]int, n)
	for i, b := range s.Blocks {
		var deps []int
		for _, j := range s.order[:pos[i]] {
			if s.Blocks[j].rank < b.rank || containsInt(b.refs, j) {
				deps = append(deps, j)
			}
		}
		s.deps[i] = deps
	}
	return nil
}

// readyQueue is a heap of block indexes by (kind rank, declaration).
type readyQueue struct {
	items  []int
	blocks []*Block
}

func (q *readyQueue) Len() int { return len(q.items) }
func (q *readyQueue) Less(i, j int) bool {
	a, b := q.blocks[q.items[i]], q.blocks[q.items[j]]
	if a.rank != b.rank {
		return a.rank < b.rank
	}
	return a.index < b.index
}
func (q *readyQueue) Swap(i, j int) { q.items[i], q.items[j] = q.items[j], q.items[i] }
func (q *readyQueue) Push(x any)    { q.items = append(q.items, x.(int)) }
func (q *readyQueue) Pop() any {
	x := q.items[len(q.items)-1]
	q.items = q.items[:len(q.items)-1]
	return x
}

// topoSort orders the blocks along explicit edges, which must be acyclic.
func (s *Service) topoSort() []int {
	n := len(s.Blocks)
	pending := make([]int, n)
	dependents := make([][]int, n)
	q := &readyQueue{blocks: s.Blocks}
	for i, b := range s.Blocks {
		pending[i] = len(b.refs)
		for _, j := range b.refs {
			dependents[j] = append(dependents[j], i)
		}
		if pending[i] == 0 {
			q.items = append(q.items, i)
		}
	}
	heap.Init(q)
	order := make([]int, 0, n)
	for q.Len() > 0 {
		i := heap.Pop(q).(int)
		order = append(order, i)
		for _, d := range dependents[i] {
			if pending[d]--; pending[d] == 0 {
				heap.Push(q, d)
			}
		}
	}
	return order
}

// findCycle returns a cycle of explicit edges as block indexes, first block
// repeated at the end, or nil. Iterative, so deep chains cannot overflow.
func (s *Service) findCycle() []int {
	const (
		unseen = iota
		active
		done
	)
	state := make([]int, len(s.Blocks))
	type frame struct{ node, next int }
	for start := range s.Blocks {
		if state[start] != unseen {
			continue
		}
		stack := []frame{{start, 0}}
		state[start] = active
		for len(stack) > 0 {
			top := &stack[len(stack)-1]
			refs := s.Blocks[top.node].refs
			if top.next == len(refs) {
				state[top.node] = done
				stack = stack[:len(stack)-1]
				continue
			}
			j := refs[top.next]
			top.next++
			switch state[j] {
			case active:
				var cycle []int
				for k := len(stack) - 1; k >= 0; k-- {
					cycle = append([]int{stack[k].node}, cycle...)
					if stack[k].node == j {
						break
					}
				}
				return append(cycle, j)
			case unseen:
				state[j] = active
				stack = append(stack, frame{j, 0})
			}
		}
	}
	return nil
}

// cycleDiag names the cycle and where each of its references is written.
func (s *Service) cycleDiag(cycle []int) *hcl.Diagnostic {
	rids := make([]string, len(cycle))
	for i, idx := range cycle {
		rids[i] = s.Blocks[idx].RID()
	}
	var where []string
	for i := 0; i+1 < len(cycle); i++ {
		from, to := s.Blocks[cycle[i]], s.Blocks[cycle[i+1]]
		if r, ok := refRange(from, cycle[i+1]); ok {
			where = append(where, fmt.Sprintf("%s refers to %s at %s", from.RID(), to.RID(), at(r)))
		}
	}
	msg := "dependency cycle: " + strings.Join(rids, " -> ")
	return errorf(s.Blocks[cycle[0]].DeclRange, "Dependency cycle",
		"%s. %s. Break the cycle by removing one of these references.", msg, strings.Join(where, "; "))
}

// refRange finds where block b refers to block target.
func refRange(b *Block, target int) (hcl.Range, bool) {
	var found hcl.Range
	ok := false
	b.attrs.all(func(_ *scope, a *attr) {
		if !ok && containsInt(a.refs, target) {
			found, ok = a.Range, true
		}
	})
	return found, ok
}
