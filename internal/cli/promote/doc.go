// Package promote holds `berth promote`: it deploys what a release runs in
// one namespace (or cluster) to another, by chart digest, behind gates
// (soak, tests, signature, same digest, an approved plan). It shares
// berth's Factory and flag groups through Env (internal/cli builds it) and
// calls pkg/action's Promote.
package promote
