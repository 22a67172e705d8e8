package action

import (
	"strings"

	"github.com/berth-sh/berth/pkg/release"
)

// ciSystem says how one CI system tells, in its environment variables,
// that berth runs in it, which commit it builds, where the run's page is
// and who started it.
type ciSystem struct {
	// name is release.CIRun.System.
	name string
	// detect reports whether the environment is this system's.
	detect func(env envLookup) bool
	// revision, repository, url and actor read the run's details; each
	// may return "".
	revision, repository, url, actor func(env envLookup) string
}

// envLookup reads an environment variable, "" when unset.
type envLookup func(string) string

// first returns the first of the variables that is set.
func first(names ...string) func(env envLookup) string {
	return func(env envLookup) string {
		for _, n := range names {
			if v := env(n); v != "" {
				return v
			}
		}
		return ""
	}
}

// is returns a detector for variable name having value (any non-empty
// value when value is ""), compared without case.
func is(name, value string) func(env envLookup) bool {
	return func(env envLookup) bool {
		v := env(name)
		if value == "" {
			return v != ""
		}
		return strings.EqualFold(v, value)
	}
}

// joinURL joins parts when every one is set, "" otherwise.
func joinURL(env envLookup, parts ...string) string {
	var b strings.Builder
	for _, p := range parts {
		if strings.HasPrefix(p, "$") {
			v := env(p[1:])
			if v == "" {
				return ""
			}
			p = v
		}
		b.WriteString(p)
	}
	return b.String()
}

// ciSystems are the CI systems berth knows, in the order they are tried.
// The variables are each system's documented ones.
var ciSystems = []ciSystem{
	{
		name: "github-actions", detect: is("GITHUB_ACTIONS", "true"),
		revision:   first("GITHUB_SHA"),
		repository: func(env envLookup) string { return joinURL(env, "$GITHUB_SERVER_URL", "/", "$GITHUB_REPOSITORY") },
		url: func(env envLookup) string {
			u := joinURL(env, "$GITHUB_SERVER_URL", "/", "$GITHUB_REPOSITORY", "/actions/runs/", "$GITHUB_RUN_ID")
			if a := env("GITHUB_RUN_ATTEMPT"); u != "" && a != "" {
				u += "/attempts/" + a
			}
			return u
		},
		actor: first("GITHUB_ACTOR"),
	},
	{
		name: "gitlab-ci", detect: is("GITLAB_CI", "true"),
		revision: first("CI_COMMIT_SHA"), repository: first("CI_PROJECT_URL"),
		url: first("CI_JOB_URL", "CI_PIPELINE_URL"), actor: first("GITLAB_USER_LOGIN", "GITLAB_USER_EMAIL"),
	},
	{
		name: "buildkite", detect: is("BUILDKITE", "true"),
		revision: first("BUILDKITE_COMMIT"), repository: first("BUILDKITE_REPO"),
		url: func(env envLookup) string {
			u := env("BUILDKITE_BUILD_URL")
			if j := env("BUILDKITE_JOB_ID"); u != "" && j != "" {
				u += "#" + j
			}
			return u
		},
		actor: first("BUILDKITE_BUILD_CREATOR_EMAIL", "BUILDKITE_BUILD_CREATOR"),
	},
	{
		name: "circleci", detect: is("CIRCLECI", "true"),
		revision: first("CIRCLE_SHA1"), repository: first("CIRCLE_REPOSITORY_URL"),
		url: first("CIRCLE_BUILD_URL"), actor: first("CIRCLE_USERNAME"),
	},
	{
		name: "azure-pipelines", detect: is("TF_BUILD", "true"),
		revision: first("BUILD_SOURCEVERSION"), repository: first("BUILD_REPOSITORY_URI"),
		url: func(env envLookup) string {
			return joinURL(env, "$SYSTEM_COLLECTIONURI", "$SYSTEM_TEAMPROJECT", "/_build/results?buildId=", "$BUILD_BUILDID")
		},
		actor: first("BUILD_REQUESTEDFOREMAIL", "BUILD_REQUESTEDFOR"),
	},
	{
		name: "bitbucket-pipelines", detect: is("BITBUCKET_BUILD_NUMBER", ""),
		revision: first("BITBUCKET_COMMIT"), repository: first("BITBUCKET_GIT_HTTP_ORIGIN"),
		url: func(env envLookup) string {
			return joinURL(env, "https://bitbucket.org/", "$BITBUCKET_REPO_FULL_NAME", "/pipelines/results/", "$BITBUCKET_BUILD_NUMBER")
		},
		actor: first("BITBUCKET_STEP_TRIGGERER_UUID"),
	},
	{
		name: "travis-ci", detect: is("TRAVIS", "true"),
		revision: first("TRAVIS_COMMIT"),
		repository: func(env envLookup) string {
			return joinURL(env, "https://github.com/", "$TRAVIS_REPO_SLUG")
		},
		url: first("TRAVIS_JOB_WEB_URL", "TRAVIS_BUILD_WEB_URL"), actor: first(),
	},
	{
		// Jenkins after the others: agents of other systems may run
		// inside a Jenkins node's environment, not the reverse.
		name: "jenkins", detect: is("JENKINS_URL", ""),
		revision: first("GIT_COMMIT"), repository: first("GIT_URL"),
		url: first("BUILD_URL"), actor: first("BUILD_USER_ID"),
	},
}

// DetectOrigin reads the origin of this run from the environment through
// lookup (os.LookupEnv in berth; tests pass their own): the CI system's
// commit, repository, run URL and actor when a known CI system's variables
// are set (GitHub Actions, GitLab CI, Buildkite, CircleCI, Azure
// Pipelines, Bitbucket Pipelines, Travis CI, Jenkins), or System "ci"
// when only CI is set. Outside CI, or when the CI names no actor, the
// actor is the OS user ($USER, $USERNAME or $LOGNAME).
func DetectOrigin(lookup func(string) (string, bool)) Origin {
	env := func(name string) string {
		v, _ := lookup(name)
		return strings.TrimSpace(v)
	}
	var o Origin
	for _, s := range ciSystems {
		if !s.detect(env) {
			continue
		}
		o.CI = &release.CIRun{System: s.name, URL: s.url(env)}
		o.SourceRevision, o.SourceRepository, o.Actor = s.revision(env), s.repository(env), s.actor(env)
		break
	}
	if o.CI == nil && (is("CI", "true")(env) || is("CI", "1")(env)) {
		o.CI = &release.CIRun{System: "ci"}
	}
	if o.Actor == "" {
		o.Actor = first("USER", "USERNAME", "LOGNAME")(env)
	}
	return o
}
