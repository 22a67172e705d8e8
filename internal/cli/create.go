package cli

import (
	"fmt"
	"path/filepath"

	"github.com/spf13/cobra"

	"github.com/berth-sh/berth/pkg/chart"
)

// createOptions are the arguments of berth create.
type createOptions struct {
	path string
}

func newCreateCmd(f *Factory) *cobra.Command {
	o := &createOptions{}
	return &cobra.Command{
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
directory. The new chart's path is printed on stdout.`,
		Example: `  berth create web
  berth create charts/api && berth template api ./charts/api`,
		Args: exactArgs("name"),
		RunE: func(_ *cobra.Command, args []string) error {
			o.path = args[0]
			return runCreate(f, o)
		},
	}
}

func runCreate(f *Factory, o *createOptions) error {
	name := filepath.Base(o.path)
	dir, err := chart.Create(name, filepath.Dir(o.path))
	if err != nil {
		return err
	}
	_, err = fmt.Fprintln(f.Out, dir)
	return err
}
