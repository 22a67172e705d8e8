package cli

import (
	"context"
	"fmt"
	"io"
	"strings"
	"time"

	"github.com/spf13/cobra"

	"github.com/berth-sh/berth/pkg/oci"
	"github.com/berth-sh/berth/pkg/repo"
)

type repoAddOptions struct {
	output        outputFlags
	entry         repo.Entry
	passwordStdin bool
	forceUpdate   bool
	timeout       time.Duration
}

// repoAddOutput is what repo add reports.
type repoAddOutput struct {
	Name string `json:"name"`
	URL  string `json:"url"`
	// Charts is how many charts the repository's index lists.
	Charts int `json:"charts"`
	// Unchanged is true when the repository was already added with the
	// same settings.
	Unchanged bool `json:"unchanged,omitempty"`
}

func newRepoAddCmd(f *Factory) *cobra.Command {
	o := &repoAddOptions{}
	cmd := &cobra.Command{
		Use:   "add NAME URL",
		Short: "add a chart repository",
		Long: `Add the chart repository at URL under NAME. berth downloads URL/index.yaml
first: a repository whose index cannot be fetched or read is not added,
and the error says why (wrong credentials, no index at that URL, unknown
certificate authority). The index is cached for dependency update.

Adding a name that exists with the same settings does nothing; with other
settings it fails unless --force-update replaces it. The password is read
from stdin with --password-stdin; berth never prompts.`,
		Example: `  berth repo add bitnami https://charts.bitnami.com/bitnami
  echo "$TOKEN" | berth repo add acme https://charts.acme.example --username ci --password-stdin
  berth repo add internal https://charts.internal --ca-file ca.pem --force-update`,
		Args: exactArgs("name", "url"),
		RunE: func(cmd *cobra.Command, args []string) error {
			o.entry.Name, o.entry.URL = args[0], args[1]
			if err := o.validate(f.In); err != nil {
				return err
			}
			return runRepoAdd(cmd.Context(), f, o)
		},
	}
	fs := cmd.Flags()
	fs.StringVar(&o.entry.Username, "username", "", "user name for HTTP basic auth")
	fs.StringVar(&o.entry.Password, "password", "", "password (visible to other users: prefer --password-stdin)")
	fs.BoolVar(&o.passwordStdin, "password-stdin", false, "read the password from stdin")
	fs.StringVar(&o.entry.CAFile, "ca-file", "", "trust the CA certificates in this PEM file for the repository")
	fs.StringVar(&o.entry.CertFile, "cert-file", "", "client certificate (PEM) for repositories that require mutual TLS")
	fs.StringVar(&o.entry.KeyFile, "key-file", "", "client key (PEM) for --cert-file")
	fs.BoolVar(&o.entry.InsecureSkipTLSVerify, "insecure-skip-tls-verify", false, "accept any repository certificate (testing only)")
	fs.BoolVar(&o.entry.PassCredentialsAll, "pass-credentials", false,
		"send the credentials to chart URLs on other hosts than the repository's too")
	fs.BoolVar(&o.forceUpdate, "force-update", false, "replace a repository of the same name")
	fs.DurationVar(&o.timeout, "timeout", repoTimeout, "how long fetching the repository's index may take")
	addCompatFlags(fs, compatFlag{
		name: "allow-deprecated-repos",
		help: "accepted for Helm's sake: berth refuses no repository URL for being one of Helm's old stable/incubator ones",
	})
	o.output.AddFlags(fs)
	return cmd
}

func (o *repoAddOptions) validate(in io.Reader) error {
	if err := o.output.Validate(); err != nil {
		return err
	}
	if err := repo.ValidateName(o.entry.Name); err != nil {
		return &UsageError{Err: err}
	}
	if oci.IsReference(o.entry.URL) {
		return &UsageError{
			Err:  fmt.Errorf("%s is an OCI registry, not a chart repository", o.entry.URL),
			Hint: "OCI charts need no repo add: refer to them as oci:// references, and log in with berth registry login.",
		}
	}
	if !strings.HasPrefix(o.entry.URL, "https://") && !strings.HasPrefix(o.entry.URL, "http://") {
		return usageErrorf("repository URL %q: want an http:// or https:// URL", o.entry.URL)
	}
	switch {
	case o.passwordStdin && o.entry.Password != "":
		return usageErrorf("--password and --password-stdin are exclusive")
	case o.passwordStdin:
		b, err := io.ReadAll(in)
		if err != nil {
			return fmt.Errorf("add repository %q: read password from stdin: %w", o.entry.Name, err)
		}
		o.entry.Password = strings.TrimRight(string(b), "\r\n")
	}
	if o.entry.Username != "" && o.entry.Password == "" {
		return &UsageError{
			Err:  fmt.Errorf("add repository %q: --username without a password", o.entry.Name),
			Hint: "Pipe the password in with --password-stdin.",
		}
	}
	return nil
}

func runRepoAdd(ctx context.Context, f *Factory, o *repoAddOptions) error {
	ctx, cancel := context.WithTimeout(ctx, o.timeout)
	defer cancel()
	configPath, err := f.Repos.configPath()
	if err != nil {
		return err
	}
	cacheDir, err := f.Repos.cacheDir()
	if err != nil {
		return err
	}
	if o.entry.Password != "" && !o.passwordStdin {
		fmt.Fprintln(f.ErrOut, "Warning: a password on the command line is visible to other users; use --password-stdin")
	}
	out := &repoAddOutput{Name: o.entry.Name, URL: o.entry.URL}
	err = repo.Update(configPath, func(file *repo.File) error {
		if old := file.Get(o.entry.Name); old != nil && !o.forceUpdate {
			if *old == o.entry {
				out.Unchanged = true
				return nil
			}
			return fmt.Errorf("add repository %q: a repository of that name exists (%s) with other settings; use --force-update to replace it",
				o.entry.Name, old.URL)
		}
		client, err := repo.NewClient(&o.entry, userAgent())
		if err != nil {
			return fmt.Errorf("add repository %q: %w", o.entry.Name, err)
		}
		idx, err := client.UpdateCache(ctx, cacheDir)
		if err != nil {
			return err
		}
		out.Charts = len(idx.Entries)
		entry := o.entry
		file.Set(&entry)
		return nil
	})
	if err != nil {
		return err
	}
	return o.output.Print(f.Out, out, func(w io.Writer) error {
		if out.Unchanged {
			_, err := fmt.Fprintf(w, "%q already exists with the same settings; nothing to do\n", out.Name)
			return err
		}
		_, err := fmt.Fprintf(w, "%q has been added to your repositories (%d charts)\n", out.Name, out.Charts)
		return err
	})
}
