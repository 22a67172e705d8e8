package cli

import (
	"errors"
	"net/http"
	"net/http/httptest"
	"os"
	"os/exec"
	"strconv"
	"testing"

	"github.com/rogpeppe/go-internal/testscript"

	"github.com/berth-sh/berth/internal/testenv"
)

// exitCodeKey is the key of a script's Values under which the berth command
// keeps the exit code of its last run, for the exitcode command.
type exitCodeKey struct{}

// TestScript runs the scripts of testdata/script: each runs the real berth,
// as a process of its own off a terminal, against the package's API server
// in a namespace of its own ($NS), with $KUBECONFIG pointing at it.
func TestScript(t *testing.T) {
	exe, err := os.Executable()
	if err != nil {
		t.Fatalf("find the test binary: %v", err)
	}
	params := testscript.Params{
		Dir:                 "testdata/script",
		RequireExplicitExec: true,
		Setup:               scriptSetup,
		Cmds: map[string]func(ts *testscript.TestScript, neg bool, args []string){
			"berth":    scriptBerth(exe),
			"exitcode": scriptExitCode,
			"serve":    scriptServe,
		},
	}
	if deadline, ok := t.Deadline(); ok {
		params.Deadline = deadline
	}
	testscript.Run(t, params)
}

// scriptSetup gives a script its namespace, kubeconfig and a home of its
// own, and makes the test binary run berth's Main when the script runs it.
func scriptSetup(env *testscript.Env) error {
	tb, ok := env.T().(testing.TB)
	if !ok {
		return errors.New("testscript's T is not a testing.TB")
	}
	env.Setenv("KUBECONFIG", testenv.Kubeconfig(tb))
	env.Setenv("NS", testenv.Namespace(tb))
	env.Setenv("HOME", env.WorkDir+"/.home")
	env.Setenv(envExecBerth, "1")
	env.Values[exitCodeKey{}] = new(int)
	return nil
}

// scriptBerth returns the script command "berth ARGS": it runs exe (the
// test binary, which runs Main under envExecBerth) with ARGS, keeps its
// stdout and stderr for the stdout and stderr commands and its exit code
// for exitcode. Prefixed with !, it expects berth to fail.
func scriptBerth(exe string) func(ts *testscript.TestScript, neg bool, args []string) {
	return func(ts *testscript.TestScript, neg bool, args []string) {
		err := ts.Exec(exe, args...)
		code := 0
		var exitErr *exec.ExitError
		switch {
		case errors.As(err, &exitErr):
			code = exitErr.ExitCode()
		case err != nil:
			ts.Fatalf("run berth: %v", err)
		}
		*ts.Value(exitCodeKey{}).(*int) = code
		if neg && code == 0 {
			ts.Fatalf("berth succeeded, want failure")
		}
		if !neg && code != 0 {
			ts.Fatalf("berth exited %d, want 0", code)
		}
	}
}

// scriptExitCode is the script command "exitcode N": it checks that the
// last berth command exited with code N.
func scriptExitCode(ts *testscript.TestScript, neg bool, args []string) {
	if neg || len(args) != 1 {
		ts.Fatalf("usage: exitcode N")
	}
	want, err := strconv.Atoi(args[0])
	if err != nil {
		ts.Fatalf("usage: exitcode N: %v", err)
	}
	if got := *ts.Value(exitCodeKey{}).(*int); got != want {
		ts.Fatalf("berth exited %d, want %d", got, want)
	}
}

// scriptServe is the script command "serve DIR USER PASSWORD": it serves
// DIR (relative to the work directory) over HTTP with basic auth, as a
// static chart repository, until the script ends, and sets $REPO_URL.
func scriptServe(ts *testscript.TestScript, neg bool, args []string) {
	if neg || len(args) != 3 {
		ts.Fatalf("usage: serve DIR USER PASSWORD")
	}
	files := http.FileServer(http.Dir(ts.MkAbs(args[0])))
	user, password := args[1], args[2]
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if u, p, ok := r.BasicAuth(); !ok || u != user || p != password {
			w.Header().Set("WWW-Authenticate", `Basic realm="charts"`)
			http.Error(w, "unauthorized", http.StatusUnauthorized)
			return
		}
		files.ServeHTTP(w, r)
	}))
	ts.Defer(srv.Close)
	ts.Setenv("REPO_URL", srv.URL)
}
