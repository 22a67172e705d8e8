// Package repo locates berth's repository root and the control-plane binaries
// that hack/tools/build.sh links into its bin/ directory. Test environments
// (internal/testenv, test/e2e) and the local cluster manager (hack/cluster)
// share it so that all of them look in the same place and fail with the same
// actionable message when a binary is missing.
package repo

import (
	"bufio"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"
)

// Module is the module path whose go.mod marks the repository root.
const Module = "github.com/berth-sh/berth"

// EnvBinDir names the environment variable that overrides where the
// control-plane binaries are looked up (default: <repo>/bin).
const EnvBinDir = "BERTH_BIN_DIR"

// BuildHint tells a person how to get the binaries; every missing-binary
// error ends with it.
const BuildHint = "run `make tools` (hack/tools/build.sh) to build them"

// ErrNoRoot reports that no directory above the start directory holds the
// go.mod of module Module.
var ErrNoRoot = errors.New("repository root not found")

// Root walks up from dir to the first directory whose go.mod declares module
// Module and returns that directory.
func Root(dir string) (string, error) {
	abs, err := filepath.Abs(dir)
	if err != nil {
		return "", fmt.Errorf("find repository root from %q: %w", dir, err)
	}
	for d := abs; ; d = filepath.Dir(d) {
		if isRoot(filepath.Join(d, "go.mod")) {
			return d, nil
		}
		if filepath.Dir(d) == d {
			return "", fmt.Errorf("find repository root from %q: no go.mod with module %s: %w", abs, Module, ErrNoRoot)
		}
	}
}

// isRoot reports whether the go.mod at path declares module Module.
func isRoot(path string) bool {
	f, err := os.Open(path)
	if err != nil {
		return false
	}
	defer f.Close()
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		fields := strings.Fields(sc.Text())
		if len(fields) >= 2 && fields[0] == "module" {
			return strings.Trim(fields[1], `"`) == Module
		}
	}
	return false
}

// BinDir returns the directory holding the control-plane binaries: the value
// of EnvBinDir when set, otherwise bin/ under the repository root found from
// the working directory.
func BinDir() (string, error) {
	if dir := os.Getenv(EnvBinDir); dir != "" {
		return filepath.Abs(dir)
	}
	wd, err := os.Getwd()
	if err != nil {
		return "", fmt.Errorf("find control-plane binaries: %w", err)
	}
	root, err := Root(wd)
	if err != nil {
		return "", fmt.Errorf("find control-plane binaries (set %s to their directory): %w", EnvBinDir, err)
	}
	return filepath.Join(root, "bin"), nil
}

// MissingError reports control-plane binaries (or their data files) that are
// absent. Its message names each binary, where it was looked for, and
// how to build it.
type MissingError struct {
	Dir   string   // directory searched
	Names []string // binaries missing from Dir
}

// Error implements error.
func (e *MissingError) Error() string {
	return fmt.Sprintf("missing %s in %s (looked there because %s is %s); %s",
		strings.Join(e.Names, ", "), e.Dir, EnvBinDir, describeEnv(), BuildHint)
}

func describeEnv() string {
	if v := os.Getenv(EnvBinDir); v != "" {
		return fmt.Sprintf("%q", v)
	}
	return "unset and the default is <repo>/bin"
}

// Require checks that every named file exists in dir as a regular file
// (symbolic links are followed, so a link into a deleted cache counts as
// missing). It returns a *MissingError listing all that do not.
func Require(dir string, names ...string) error {
	var missing []string
	for _, name := range names {
		fi, err := os.Stat(filepath.Join(dir, name))
		if err != nil || !fi.Mode().IsRegular() {
			missing = append(missing, name)
		}
	}
	if len(missing) > 0 {
		return &MissingError{Dir: dir, Names: missing}
	}
	return nil
}
