package stack

import (
	"github.com/berth-sh/berth/pkg/action"
	"github.com/berth-sh/berth/pkg/stack"
)

// NewTarget connects to environment env of stack s as the stack commands
// do, for the commands of other families that act on a stack environment
// (berth promote --stack). It uses e's RESTConfig, NewStore and Logger.
func NewTarget(e *Env, s *stack.Stack, env string) (*action.StackTarget, error) {
	return newTarget(e, s, env)
}
