// Package helm pins Helm v4.3.1, built only for berth's benchmarks and
// comparisons (hack/bench). berth itself never imports Helm.
package helm
