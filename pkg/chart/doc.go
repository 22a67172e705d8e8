// Package chart is the Helm chart model and what reads and writes it:
// Chart.yaml metadata, templates, values, files and dependencies (subcharts),
// loaded from a directory (honouring .helmignore) or a .tgz archive (with
// size limits and path, link and device checks), validated as Helm
// validates them, packed into reproducible archives, expanded safely, and
// created from berth's starter. Dependency conditions, aliases and
// import-values are applied by pkg/render/values; this package knows
// nothing of templates' meaning or of clusters.
package chart
