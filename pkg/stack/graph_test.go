package stack

import (
	"errors"
	"slices"
	"strings"
	"testing"
)

func TestGraphOrder(t *testing.T) {
	// A diamond: db first, api and worker on it, web on both.
	g := graphOf(t, "web:api,worker", "api:db", "worker:db", "db:", "loner:")
	if got, want := g.Order(), []string{"db", "api", "worker", "web", "loner"}; !slices.Equal(got, want) {
		t.Errorf("Order() = %v, want %v", got, want)
	}
	if got, want := g.ReverseOrder(), []string{"loner", "web", "worker", "api", "db"}; !slices.Equal(got, want) {
		t.Errorf("ReverseOrder() = %v, want %v", got, want)
	}
}

func TestGraphCycle(t *testing.T) {
	rels := []Release{
		{Name: "a", Needs: []Need{{Release: "b"}}},
		{Name: "b", Needs: []Need{{Release: "c"}}},
		{Name: "c", Needs: []Need{{Release: "a"}}},
		{Name: "d"},
	}
	_, err := NewGraph(rels)
	if !errors.Is(err, ErrCycle) {
		t.Fatalf("err = %v, want ErrCycle", err)
	}
	if want := "needs form a cycle: a -> b -> c -> a"; err.Error() != want {
		t.Errorf("err = %q, want %q", err, want)
	}
}

func TestGraphDotMermaid(t *testing.T) {
	rels := []Release{{Name: "db"}, {Name: "api", Needs: []Need{{Release: "db", Until: UntilReady}}}}
	g, err := NewGraph(rels)
	if err != nil {
		t.Fatal(err)
	}
	if dot := g.Dot("shop"); !strings.Contains(dot, `"api" -> "db" [label="ready"];`) {
		t.Errorf("dot lacks the edge:\n%s", dot)
	}
	if m := g.Mermaid(); !strings.Contains(m, "r1 -- ready --> r0") {
		t.Errorf("mermaid lacks the edge:\n%s", m)
	}
}
