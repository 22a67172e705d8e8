// Package render turns a loaded chart and values into Kubernetes manifests
// the way `helm template` (Helm v4.3) does.
//
// Engine executes a chart's templates with Go text/template, sprig and
// Helm's functions (include, tpl, required, fail, lookup, toYaml, ...) and
// Helm's built-in objects (.Values, .Release, .Chart, .Capabilities, .Files,
// .Subcharts, .Template). Render adds the kubeVersion check, NOTES.txt
// extraction and the splitting and install-order sorting of documents into
// manifests and hooks; Chart runs the whole flow from user values,
// with the values pipeline of package values. Write and WriteDir print a
// Result exactly as `helm template` does. PatchFile is berth's
// --post-renderer-patch format.
package render
