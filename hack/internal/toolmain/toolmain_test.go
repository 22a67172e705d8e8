package toolmain

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"testing"

	"github.com/google/go-cmp/cmp"
)

var errUnhealthy = errors.New("unhealthy")

func TestRun(t *testing.T) {
	const usage = "usage: thing up|status\n"
	tests := []struct {
		name       string
		args       []string
		newErr     error
		wantCode   int
		wantStderr string
		wantRan    []string
	}{
		{name: "ok", args: []string{"up"}, wantCode: ExitOK, wantRan: []string{"up"}},
		{name: "no command", args: nil, wantCode: ExitUsage, wantStderr: usage},
		{name: "two commands", args: []string{"up", "down"}, wantCode: ExitUsage, wantStderr: usage},
		{name: "unknown", args: []string{"sideways"}, wantCode: ExitUsage, wantStderr: "thing: unknown command \"sideways\"\n" + usage},
		{name: "failure", args: []string{"fail"}, wantCode: ExitError, wantStderr: "thing: fail: broken\n", wantRan: []string{"fail"}},
		{name: "reported", args: []string{"status"}, wantCode: ExitError, wantRan: []string{"status"}},
		{name: "new fails", args: []string{"up"}, newErr: errors.New("no repository"), wantCode: ExitError, wantStderr: "thing: no repository\n"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var ran []string
			record := func(name string, err error) func(context.Context, *[]string) error {
				return func(ctx context.Context, ran *[]string) error {
					if ctx.Err() != nil {
						return ctx.Err()
					}
					*ran = append(*ran, name)
					return err
				}
			}
			tool := Tool[*[]string]{
				Name: "thing", Usage: usage,
				New: func() (*[]string, error) { return &ran, tt.newErr },
				Commands: map[string]func(context.Context, *[]string) error{
					"up":     record("up", nil),
					"fail":   record("fail", fmt.Errorf("fail: %w", errors.New("broken"))),
					"status": record("status", fmt.Errorf("status: %w", errUnhealthy)),
				},
				Reported: errUnhealthy,
			}
			var stderr bytes.Buffer
			if got := tool.Run(tt.args, &stderr); got != tt.wantCode {
				t.Errorf("exit code = %d, want %d", got, tt.wantCode)
			}
			if diff := cmp.Diff(tt.wantStderr, stderr.String()); diff != "" {
				t.Errorf("stderr (-want +got):\n%s", diff)
			}
			if diff := cmp.Diff(tt.wantRan, ran); diff != "" {
				t.Errorf("commands run (-want +got):\n%s", diff)
			}
		})
	}
}
