// Package stack holds the berth stack commands: plan, apply, lock, status,
// render, destroy and graph of a stack file (pkg/stack). They share
// berth's Factory through Env, which internal/cli builds, and call
// pkg/action's stack actions.
package stack
