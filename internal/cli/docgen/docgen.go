// Package docgen generates berth's command reference (Markdown from the
// cobra commands). It lives outside package cli so that the berth binary
// does not link cobra's doc generator and its Markdown libraries.
package docgen

import (
	"bytes"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"

	"github.com/spf13/cobra"
	"github.com/spf13/cobra/doc"
	"github.com/spf13/pflag"

	"github.com/berth-sh/berth/internal/cli"
)

// GenerateDocs returns berth's command reference as Markdown pages, keyed by
// file name (berth.md, berth_version.md, ...). The pages do not depend on the
// machine they are generated on: defaults that come from the environment are
// shown by name ($HOME).
func GenerateDocs() (map[string][]byte, error) {
	root := cli.NewRootCmd(cli.NewFactory(cli.IOStreams{In: strings.NewReader(""), Out: io.Discard, ErrOut: io.Discard}))
	root.DisableAutoGenTag = true
	if home, err := os.UserHomeDir(); err == nil {
		neutraliseHome(root, home)
	}
	pages := map[string][]byte{}
	var walk func(*cobra.Command) error
	walk = func(cmd *cobra.Command) error {
		if !cmd.IsAvailableCommand() && cmd != root || cmd.IsAdditionalHelpTopicCommand() {
			return nil
		}
		cmd.DisableAutoGenTag = true
		var buf bytes.Buffer
		if err := doc.GenMarkdown(cmd, &buf); err != nil {
			return fmt.Errorf("generate docs for %q: %w", cmd.CommandPath(), err)
		}
		pages[strings.ReplaceAll(cmd.CommandPath(), " ", "_")+".md"] = buf.Bytes()
		for _, c := range cmd.Commands() {
			if err := walk(c); err != nil {
				return err
			}
		}
		return nil
	}
	return pages, walk(root)
}

// neutraliseHome replaces the user's home directory in flag defaults with
// $HOME, so generated docs are the same on every machine.
func neutraliseHome(root *cobra.Command, home string) {
	root.PersistentFlags().VisitAll(func(fl *pflag.Flag) {
		fl.DefValue = strings.ReplaceAll(fl.DefValue, home, "$HOME")
	})
}

// WriteDocs writes the command reference into dir, removing pages of
// commands that no longer exist.
func WriteDocs(dir string) error {
	pages, err := GenerateDocs()
	if err != nil {
		return err
	}
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return fmt.Errorf("create %s: %w", dir, err)
	}
	old, err := filepath.Glob(filepath.Join(dir, "berth*.md"))
	if err != nil {
		return err
	}
	for _, p := range old {
		if _, ok := pages[filepath.Base(p)]; !ok {
			if err := os.Remove(p); err != nil {
				return fmt.Errorf("remove stale page: %w", err)
			}
		}
	}
	for name, b := range pages {
		if err := os.WriteFile(filepath.Join(dir, name), b, 0o644); err != nil { //nolint:gosec // docs are public
			return fmt.Errorf("write %s: %w", name, err)
		}
	}
	return nil
}
