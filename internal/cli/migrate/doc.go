// Package migrate holds the commands that move releases between Helm and
// berth: `berth import helm` and `berth export helm`. They share berth's
// Factory through Env (internal/cli builds it), and call pkg/action's
// ImportHelm and ExportHelm.
package migrate
