// Package chart is the Helm chart model: Chart.yaml metadata, templates,
// values, files and dependencies, loaded from a directory or a .tgz archive
// (with .helmignore and archive hardening), plus dependency processing
// (conditions, tags, aliases, import-values), linting and reproducible
// packaging. It knows nothing of templates' meaning or of clusters.
package chart
