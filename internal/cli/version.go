package cli

import (
	"fmt"
	"io"

	"github.com/spf13/cobra"

	"github.com/berth-sh/berth/internal/version"
)

type versionOptions struct {
	output outputFlags
}

func newVersionCmd(f *Factory) *cobra.Command {
	o := &versionOptions{}
	cmd := &cobra.Command{
		Use:   "version",
		Short: "print berth's version, commit and Go version",
		Long: `Print the version of berth, the commit it was built from, when, and the Go
version and platform. With -o json or -o yaml the same fields are printed as
an object: version, commit, buildDate, goVersion, platform.`,
		Example: `  berth version
  berth version -o json`,
		Args: noArgs,
		RunE: func(*cobra.Command, []string) error {
			if err := o.output.Validate(); err != nil {
				return err
			}
			return o.output.Print(f.Out, version.Get(), printVersionTable)
		},
	}
	o.output.AddFlags(cmd.Flags())
	return cmd
}

func printVersionTable(w io.Writer) error {
	v := version.Get()
	_, err := fmt.Fprintf(w, "berth %s\ncommit:   %s\nbuilt:    %s\ngo:       %s\nplatform: %s\n",
		v.Version, orNone(v.Commit), orNone(v.BuildDate), v.GoVersion, v.Platform)
	return err
}

func orNone(s string) string {
	if s == "" {
		return "(unknown)"
	}
	return s
}
