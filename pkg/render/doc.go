// Package render turns a loaded chart and values into Kubernetes manifests the
// way `helm template` does: Go text/template with sprig and Helm's functions,
// Helm's built-in objects, values coalescing with subcharts and globals, and
// values.schema.json validation. Output is ordered as Helm orders it.
package render
