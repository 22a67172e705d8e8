// Package lint examines a chart for problems the way `helm lint` does:
// Chart.yaml metadata, values.yaml against values.schema.json, templates
// rendered in lint mode (required and fail do not stop the render), the
// rendered YAML and the objects in it (names, selectors, APIs deprecated or
// removed in the target Kubernetes version), dependencies and CRD files.
//
// Lint returns messages of three severities, INFO, WARNING and ERROR, each
// naming the file at fault, with Helm's rules and texts so that a chart
// that passes `helm lint` passes `berth lint`.
package lint
