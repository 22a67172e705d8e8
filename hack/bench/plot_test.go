package main

import (
	"encoding/xml"
	"errors"
	"io"
	"strings"
	"testing"
	"time"
)

// wellFormed fails unless svg parses as XML.
func wellFormed(t *testing.T, svg string) {
	t.Helper()
	d := xml.NewDecoder(strings.NewReader(svg))
	for {
		if _, err := d.Token(); errors.Is(err, io.EOF) {
			return
		} else if err != nil {
			t.Fatalf("not well-formed XML: %v\n%s", err, svg)
		}
	}
}

func TestPlots(t *testing.T) {
	results := []result{
		{name: "template gen-chart.sh 100", berth: 40 * time.Millisecond, helm: 90 * time.Millisecond},
		{name: "template gen-chart.sh 1000", berth: 100 * time.Millisecond, helm: 220 * time.Millisecond},
		{name: "install gen-chart.sh 1000", berth: 3 * time.Second, helm: 7 * time.Second},
		{name: "install gen-chart.sh 5000", berth: 15 * time.Second, helm: 40 * time.Second},
		{name: "list <2000> & co", berth: time.Second, helm: 60 * time.Second},
	}
	w := workloadsSVG(results)
	wellFormed(t, w)
	for _, want := range []string{"2.2×", "60.0×", "list &lt;2000&gt; &amp; co", "3.00 s"} {
		if !strings.Contains(w, want) {
			t.Errorf("workloads plot lacks %q", want)
		}
	}
	g, ok := growthSVG(results)
	if !ok {
		t.Fatal("growth plot not drawn from two sizes of each kind")
	}
	wellFormed(t, g)
	if n := strings.Count(g, "<polyline"); n != 4 {
		t.Errorf("%d lines in the growth plot, want 4 (two tools, two panels)", n)
	}
	if _, ok := growthSVG(results[2:3]); ok {
		t.Error("growth plot drawn from a single size")
	}
}
