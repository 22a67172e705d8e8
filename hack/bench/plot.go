package main

import (
	"fmt"
	"html"
	"math"
	"os"
	"path/filepath"
	"regexp"
	"sort"
	"strconv"
	"strings"
	"time"
)

// result is one scenario's medians, for the plots.
type result struct {
	name        string
	berth, helm time.Duration
}

// Colours of the two tools in every plot.
const (
	berthColour = "#1f77b4"
	helmColour  = "#ff7f0e"
)

// writePlots writes workloads.svg (berth against Helm, per scenario) and,
// when the growth series ran, growth.svg (template and install time
// against the number of objects) into dir; nothing when dir is "".
func writePlots(dir string, results []result) error {
	if dir == "" || len(results) == 0 {
		return nil
	}
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return err
	}
	if err := os.WriteFile(filepath.Join(dir, "workloads.svg"), []byte(workloadsSVG(results)), 0o644); err != nil { //nolint:gosec // a plot for the docs
		return err
	}
	if svg, ok := growthSVG(results); ok {
		return os.WriteFile(filepath.Join(dir, "growth.svg"), []byte(svg), 0o644) //nolint:gosec // a plot for the docs
	}
	return nil
}

// workloadsSVG draws, per scenario, berth's and Helm's median wall time
// as bars scaled to the slower of the two, with the times and the ratio.
func workloadsSVG(results []result) string {
	const width, rowH, left, barW = 900, 44, 330, 420
	height := 60 + rowH*len(results) + 30
	var b strings.Builder
	fmt.Fprintf(&b, `<svg xmlns="http://www.w3.org/2000/svg" width="%d" height="%d" font-family="sans-serif" font-size="12">`+"\n", width, height)
	fmt.Fprintf(&b, `<rect width="100%%" height="100%%" fill="white"/>`+"\n")
	fmt.Fprintf(&b, `<text x="10" y="22" font-size="15" font-weight="bold">berth and Helm v4: median wall time per workload (bars scaled to the slower tool)</text>`+"\n")
	legend(&b, left, 40)
	for i, r := range results {
		y := 60 + i*rowH
		slow := max(r.berth, r.helm)
		fmt.Fprintf(&b, `<text x="%d" y="%d" text-anchor="end">%s</text>`+"\n", left-10, y+20, html.EscapeString(r.name))
		for j, bar := range []struct {
			d      time.Duration
			colour string
		}{{r.berth, berthColour}, {r.helm, helmColour}} {
			w := 0.0
			if slow > 0 {
				w = barW * float64(bar.d) / float64(slow)
			}
			by := y + 4 + j*17
			fmt.Fprintf(&b, `<rect x="%d" y="%d" width="%.1f" height="15" fill="%s"/>`+"\n", left, by, w, bar.colour)
			fmt.Fprintf(&b, `<text x="%.1f" y="%d">%s</text>`+"\n", float64(left)+w+5, by+12, seconds(bar.d))
		}
		if r.berth > 0 {
			fmt.Fprintf(&b, `<text x="%d" y="%d" font-weight="bold">%.1f×</text>`+"\n", left+barW+80, y+22, float64(r.helm)/float64(r.berth))
		}
	}
	b.WriteString("</svg>\n")
	return b.String()
}

var growthName = regexp.MustCompile(`^(template|install) gen-chart\.sh (\d+)$`)

// growthSVG draws template and install time against the number of
// objects, one panel each, both tools; false unless each panel has at
// least two sizes.
func growthSVG(results []result) (string, bool) {
	series := map[string]map[int]result{"template": {}, "install": {}}
	for _, r := range results {
		if m := growthName.FindStringSubmatch(r.name); m != nil {
			n, _ := strconv.Atoi(m[2])
			series[m[1]][n] = r
		}
	}
	if len(series["template"]) < 2 && len(series["install"]) < 2 {
		return "", false
	}
	const panelW, panelH, gap = 420, 300, 100
	var b strings.Builder
	fmt.Fprintf(&b, `<svg xmlns="http://www.w3.org/2000/svg" width="%d" height="%d" font-family="sans-serif" font-size="12">`+"\n", 60+2*panelW+gap+30, panelH+110)
	fmt.Fprintf(&b, `<rect width="100%%" height="100%%" fill="white"/>`+"\n")
	fmt.Fprintf(&b, `<text x="10" y="22" font-size="15" font-weight="bold">Median wall time against the number of objects (gen-chart.sh N; x logarithmic)</text>`+"\n")
	legend(&b, 60, 40)
	for i, kind := range []string{"template", "install"} {
		panel(&b, kind, series[kind], 60+i*(panelW+gap), 60, panelW, panelH)
	}
	b.WriteString("</svg>\n")
	return b.String(), true
}

// panel draws one line chart at (x0, y0) of size w×h.
func panel(b *strings.Builder, kind string, points map[int]result, x0, y0, w, h int) {
	sizes := make([]int, 0, len(points))
	var top time.Duration
	for n, r := range points {
		sizes = append(sizes, n)
		top = max(top, r.berth, r.helm)
	}
	sort.Ints(sizes)
	fmt.Fprintf(b, `<text x="%d" y="%d" font-weight="bold">%s</text>`+"\n", x0, y0-5, kind)
	fmt.Fprintf(b, `<rect x="%d" y="%d" width="%d" height="%d" fill="none" stroke="#888"/>`+"\n", x0, y0, w, h)
	if len(sizes) < 2 || top == 0 {
		return
	}
	lo, hi := math.Log10(float64(sizes[0])), math.Log10(float64(sizes[len(sizes)-1]))
	px := func(n int) float64 { return float64(x0) + 20 + (float64(w)-40)*(math.Log10(float64(n))-lo)/(hi-lo) }
	py := func(d time.Duration) float64 { return float64(y0+h) - 10 - (float64(h)-30)*float64(d)/float64(top) }
	for _, n := range sizes {
		fmt.Fprintf(b, `<text x="%.1f" y="%d" text-anchor="middle">%d</text>`+"\n", px(n), y0+h+16, n)
	}
	fmt.Fprintf(b, `<text x="%d" y="%d" text-anchor="middle">objects</text>`+"\n", x0+w/2, y0+h+34)
	for _, frac := range []float64{0, 0.5, 1} {
		d := time.Duration(frac * float64(top))
		fmt.Fprintf(b, `<text x="%d" y="%.1f" text-anchor="end">%s</text>`+"\n", x0-4, py(d)+4, seconds(d))
	}
	// Helm's values above its points, berth's below (berth is the faster),
	// the last ones left of the point so that they stay in the panel.
	for _, line := range []struct {
		colour string
		dy     float64
		of     func(result) time.Duration
	}{{berthColour, 15, func(r result) time.Duration { return r.berth }}, {helmColour, -6, func(r result) time.Duration { return r.helm }}} {
		var pts []string
		for i, n := range sizes {
			x, y := px(n), py(line.of(points[n]))
			pts = append(pts, fmt.Sprintf("%.1f,%.1f", x, y))
			fmt.Fprintf(b, `<circle cx="%.1f" cy="%.1f" r="3" fill="%s"/>`+"\n", x, y, line.colour)
			anchor, dx := "start", 5.0
			if i == len(sizes)-1 {
				anchor, dx = "end", -5
			}
			fmt.Fprintf(b, `<text x="%.1f" y="%.1f" fill="%s" text-anchor="%s">%s</text>`+"\n", x+dx, y+line.dy, line.colour, anchor, seconds(line.of(points[n])))
		}
		fmt.Fprintf(b, `<polyline points="%s" fill="none" stroke="%s" stroke-width="2"/>`+"\n", strings.Join(pts, " "), line.colour)
	}
}

func legend(b *strings.Builder, x, y int) {
	fmt.Fprintf(b, `<rect x="%d" y="%d" width="12" height="12" fill="%s"/><text x="%d" y="%d">berth</text>`+"\n", x, y-10, berthColour, x+16, y)
	fmt.Fprintf(b, `<rect x="%d" y="%d" width="12" height="12" fill="%s"/><text x="%d" y="%d">Helm v4.3.1</text>`+"\n", x+70, y-10, helmColour, x+86, y)
}

func seconds(d time.Duration) string {
	if d < time.Second {
		return fmt.Sprintf("%.0f ms", float64(d)/float64(time.Millisecond))
	}
	return fmt.Sprintf("%.2f s", d.Seconds())
}
