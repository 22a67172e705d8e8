package cli

import (
	"fmt"
	"os"
	"path/filepath"
	"strings"

	"github.com/spf13/cobra"

	"github.com/berth-sh/berth/pkg/chart"
)

// createOptions are the arguments of berth create.
type createOptions struct {
	path    string
	starter string
}

func newCreateCmd(f *Factory) *cobra.Command {
	o := &createOptions{}
	cmd := &cobra.Command{
		Use:   "create NAME",
		Short: "create a new chart for a web application",
		Long: `Create a directory NAME holding a new chart named after its last element:
a web application with a Deployment, a Service, an optional Ingress and
HorizontalPodAutoscaler (both off by default), a ServiceAccount, NOTES.txt,
template helpers, a values.schema.json and a README.

The chart runs nginx-unprivileged as a non-root user with a read-only root
file system; change image.repository and containerPort for your own
application. The name must be a DNS label: lowercase letters, digits and
dashes, starting with a letter. berth refuses to overwrite an existing
directory. The new chart's path is printed on stdout.

-p/--starter makes the chart from another starter instead, as Helm's does: a
chart directory given by path, or by name in Helm's starters directory
($HELM_DATA_HOME/starters, default ~/.local/share/helm/starters). Every
file is copied with <CHARTNAME> replaced by the new name, and Chart.yaml's
name set to it.`,
		Example: `  berth create web
  berth create charts/api && berth template api ./charts/api`,
		Args: exactArgs("name"),
		RunE: func(_ *cobra.Command, args []string) error {
			o.path = args[0]
			return runCreate(f, o)
		},
	}
	cmd.Flags().StringVarP(&o.starter, "starter", "p", "", "make the chart from this starter: a chart directory, or a name in Helm's starters directory")
	return cmd
}

// starterDir finds --starter: a path that exists, else a name in Helm's
// starters directory.
func starterDir(starter string) (string, error) {
	if filepath.IsAbs(starter) || strings.ContainsRune(starter, filepath.Separator) {
		return starter, nil
	}
	if _, err := os.Stat(starter); err == nil {
		return starter, nil
	}
	data := os.Getenv("HELM_DATA_HOME")
	if data == "" {
		if xdg := os.Getenv("XDG_DATA_HOME"); xdg != "" {
			data = filepath.Join(xdg, "helm")
		} else {
			home, err := os.UserHomeDir()
			if err != nil {
				return "", fmt.Errorf("--starter %s: find Helm's starters directory: %w", starter, err)
			}
			data = filepath.Join(home, ".local", "share", "helm")
		}
	}
	return filepath.Join(data, "starters", starter), nil
}

func runCreate(f *Factory, o *createOptions) error {
	name := filepath.Base(o.path)
	var dir string
	var err error
	if o.starter == "" {
		dir, err = chart.Create(name, filepath.Dir(o.path))
	} else {
		var src string
		if src, err = starterDir(o.starter); err != nil {
			return err
		}
		if st, serr := os.Stat(src); serr != nil || !st.IsDir() {
			return fmt.Errorf("create chart %q: starter %s: not a chart directory (give a path, or a name in $HELM_DATA_HOME/starters)", name, src)
		}
		dir, err = chart.CreateFrom(name, filepath.Dir(o.path), os.DirFS(src))
	}
	if err != nil {
		return err
	}
	_, err = fmt.Fprintln(f.Out, dir)
	return err
}
