package cli

import (
	"context"
	"os"
	"os/user"
	"time"

	"github.com/spf13/pflag"
	authenticationv1 "k8s.io/api/authentication/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/client-go/kubernetes"

	"github.com/berth-sh/berth/pkg/action"
	"github.com/berth-sh/berth/pkg/release"
)

// provenanceFlags are --source-revision and --ci-url of the commands that
// record a revision: they override what berth reads from the CI's
// environment variables.
type provenanceFlags struct {
	sourceRevision string
	ciURL          string
}

// AddFlags adds --source-revision and --ci-url to fs.
func (p *provenanceFlags) AddFlags(fs *pflag.FlagSet) {
	fs.StringVar(&p.sourceRevision, "source-revision", "",
		"source revision (Git commit) recorded in the revision's provenance (default: the CI's, e.g. $GITHUB_SHA, $CI_COMMIT_SHA)")
	fs.StringVar(&p.ciURL, "ci-url", "",
		"URL of the CI run recorded in the revision's provenance (default: the CI's, e.g. GitHub Actions' or GitLab's job URL)")
}

// kubeUserTimeout bounds the question "who am I" to the API server.
const kubeUserTimeout = 5 * time.Second

// origin returns who runs berth and from where, for the provenance of the
// revision a command records: the CI system's variables, else the OS user,
// the user the API server authenticates (unless offline), and the flags
// over them.
func (f *Factory) origin(ctx context.Context, p *provenanceFlags, online bool) action.Origin {
	o := action.DetectOrigin(os.LookupEnv)
	if o.Actor == "" {
		if u, err := user.Current(); err == nil {
			o.Actor = u.Username
		}
	}
	if online {
		o.KubeUser = f.kubeUser(ctx)
	}
	if p == nil {
		return o
	}
	if p.sourceRevision != "" {
		o.SourceRevision = p.sourceRevision
	}
	if p.ciURL != "" {
		if o.CI == nil {
			o.CI = &release.CIRun{}
		}
		o.CI.URL = p.ciURL
	}
	return o
}

// kubeUser asks the API server whom it authenticates berth as (a
// SelfSubjectReview); "" when it cannot tell, which does not fail the
// command.
func (f *Factory) kubeUser(ctx context.Context) string {
	cfg, err := f.RESTConfig()
	if err != nil {
		return ""
	}
	client, err := kubernetes.NewForConfig(cfg)
	if err != nil {
		return ""
	}
	ctx, cancel := context.WithTimeout(ctx, kubeUserTimeout)
	defer cancel()
	review, err := client.AuthenticationV1().SelfSubjectReviews().Create(ctx, &authenticationv1.SelfSubjectReview{}, metav1.CreateOptions{})
	if err != nil {
		f.Logger().Debug("who am I: no answer from the API server", "error", err)
		return ""
	}
	return review.Status.UserInfo.Username
}

// provenanceOf is the provenance install and upgrade record: chart ref as
// given, located as lc, deployed by origin.
func provenanceOf(ref string, lc *action.LocatedChart, origin action.Origin) *release.Provenance {
	return action.NewProvenance(action.ChartSourceOf(ref, lc), origin)
}

// originOf returns a pointer to o, for the options that take one.
func originOf(o action.Origin) *action.Origin { return &o }
