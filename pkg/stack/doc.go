// Package stack is berth's stack file: many releases in one typed file
// (berth.yaml), with environments, a dependency graph between releases and
// no templating. It holds the file's model (one Go type per apiVersion),
// its JSON schema, generated from the types, the ${VAR} substitution of
// the documented string fields, the resolution of a release's settings and
// values layers for one environment, the graph of needs and the scheduler
// that runs it node by node, the lock file (berth.lock) and the inventory
// a stack keeps in the cluster.
//
// It knows nothing of charts, rendering or the cluster's objects:
// pkg/action orchestrates releases through it (stack_*.go).
package stack
