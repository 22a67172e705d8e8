package stack

import (
	"errors"
	"fmt"
	"slices"
	"strings"
)

// ErrCycle is matched by the error of a graph whose needs form a cycle.
var ErrCycle = errors.New("needs form a cycle")

// Graph is the releases of a stack and what each needs: a directed acyclic
// graph whose nodes keep the order of the stack file.
type Graph struct {
	// nodes are the release names in file order.
	nodes []string
	// needs maps a release to the needs it waits for, in file order.
	needs map[string][]Need
	// dependants maps a release to the releases that need it.
	dependants map[string][]string
}

// NewGraph returns the graph of releases. Needs of releases not among
// releases are dropped (they are outside a selection); a cycle is an error
// that matches ErrCycle and spells the cycle: "a -> b -> a".
func NewGraph(releases []Release) (*Graph, error) {
	g := &Graph{needs: map[string][]Need{}, dependants: map[string][]string{}}
	for _, r := range releases {
		g.nodes = append(g.nodes, r.Name)
	}
	for _, r := range releases {
		for _, n := range r.Needs {
			if !slices.Contains(g.nodes, n.Release) {
				continue
			}
			if n.Until == "" {
				n.Until = UntilDeployed
			}
			g.needs[r.Name] = append(g.needs[r.Name], n)
			g.dependants[n.Release] = append(g.dependants[n.Release], r.Name)
		}
	}
	if cycle := g.findCycle(); cycle != nil {
		return nil, fmt.Errorf("%w: %s", ErrCycle, strings.Join(cycle, " -> "))
	}
	return g, nil
}

// findCycle returns a cycle of needs, first release repeated at the end,
// or nil.
func (g *Graph) findCycle() []string {
	const (
		unseen = iota
		onPath
		done
	)
	state := map[string]int{}
	var path []string
	var visit func(n string) []string
	visit = func(n string) []string {
		state[n] = onPath
		path = append(path, n)
		for _, need := range g.needs[n] {
			switch state[need.Release] {
			case onPath:
				start := slices.Index(path, need.Release)
				return append(slices.Clone(path[start:]), need.Release)
			case unseen:
				if c := visit(need.Release); c != nil {
					return c
				}
			}
		}
		path = path[:len(path)-1]
		state[n] = done
		return nil
	}
	for _, n := range g.nodes {
		if state[n] == unseen {
			if c := visit(n); c != nil {
				return c
			}
		}
	}
	return nil
}

// Order returns the releases so that each comes after everything it needs;
// among releases free to go, file order.
func (g *Graph) Order() []string {
	placed := map[string]bool{}
	var out []string
	for len(out) < len(g.nodes) {
		for _, n := range g.nodes {
			if placed[n] || !g.needsPlaced(n, placed) {
				continue
			}
			placed[n] = true
			out = append(out, n)
			break
		}
	}
	return out
}

func (g *Graph) needsPlaced(n string, placed map[string]bool) bool {
	for _, need := range g.needs[n] {
		if !placed[need.Release] {
			return false
		}
	}
	return true
}

// ReverseOrder is Order backwards: every release before what it needs, the
// order to remove releases in.
func (g *Graph) ReverseOrder() []string {
	out := g.Order()
	slices.Reverse(out)
	return out
}

// Dot returns the graph in Graphviz's dot language, an edge from each
// release to what it needs, labelled with the need's condition.
func (g *Graph) Dot(name string) string {
	var b strings.Builder
	fmt.Fprintf(&b, "digraph %q {\n  rankdir=BT;\n", name)
	for _, n := range g.nodes {
		fmt.Fprintf(&b, "  %q;\n", n)
	}
	for _, n := range g.nodes {
		for _, need := range g.needs[n] {
			fmt.Fprintf(&b, "  %q -> %q [label=%q];\n", n, need.Release, string(need.Until))
		}
	}
	b.WriteString("}\n")
	return b.String()
}

// Mermaid returns the graph as a Mermaid flowchart.
func (g *Graph) Mermaid() string {
	var b strings.Builder
	b.WriteString("flowchart BT\n")
	ids := map[string]string{}
	for i, n := range g.nodes {
		ids[n] = fmt.Sprintf("r%d", i)
		fmt.Fprintf(&b, "  %s[%q]\n", ids[n], n)
	}
	for _, n := range g.nodes {
		for _, need := range g.needs[n] {
			fmt.Fprintf(&b, "  %s -- %s --> %s\n", ids[n], need.Until, ids[need.Release])
		}
	}
	return b.String()
}
