// Package action orchestrates berth's operations (install, upgrade, rollback,
// uninstall, diff, ...) from chart, render, kube and release. Actions take a
// context first, return typed results and errors, and never print.
package action
