package action_test

import (
	"testing"

	"github.com/google/go-cmp/cmp"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"

	"github.com/berth-sh/berth/pkg/action"
	"github.com/berth-sh/berth/pkg/release"
)

// TestProvenanceRecorded: install, upgrade and rollback record where each
// revision came from; list's metadata carries it and its short labels.
func TestProvenanceRecorded(t *testing.T) {
	e := newPromoteEnv(t)
	pushed := e.push(t, "a/app", archive(t, "1.0.0", "color: red\n"), nil)
	rel, err := e.deploy(t, pushed.Ref, map[string]any{"color": "green"}, false)
	if err != nil {
		t.Fatal(err)
	}
	want := &release.Provenance{
		Chart: &release.ChartSource{
			Ref: pushed.Ref, Source: "oci", Digest: pushed.Digest,
		},
		ValuesDigest:   action.ValuesDigest(map[string]any{"color": "green"}),
		SourceRevision: "0123456789abcdef0123456789abcdef01234567",
		CI:             &release.CIRun{System: "gitlab-ci", URL: "https://ci.example/jobs/1"},
		Actor:          "builder",
	}
	if d := cmp.Diff(want, rel.Provenance); d != "" {
		t.Errorf("install provenance (-want +got):\n%s", d)
	}
	if rel.ChartVersion() != "1.0.0" {
		t.Errorf("chart version recorded %q, want 1.0.0 as pushed", rel.ChartVersion())
	}
	history, err := e.staging.Store.History(t.Context(), "app")
	if err != nil {
		t.Fatal(err)
	}
	if d := cmp.Diff(want, history[0].Provenance); d != "" {
		t.Errorf("history provenance (-want +got):\n%s", d)
	}
	if got := history[0].ProvenanceLabels[release.LabelChartDigest]; got != release.ShortDigest(pushed.Digest) {
		t.Errorf("label %s = %q, want %q", release.LabelChartDigest, got, release.ShortDigest(pushed.Digest))
	}

	// Other values, other digest; the same values (from elsewhere), the same.
	up, err := e.deploy(t, pushed.Ref, map[string]any{"color": "blue"}, false)
	if err != nil {
		t.Fatal(err)
	}
	if up.Provenance.ValuesDigest == rel.Provenance.ValuesDigest {
		t.Error("other values recorded the same values digest")
	}
	again, err := e.deploy(t, pushed.Ref, map[string]any{"color": "green"}, false)
	if err != nil {
		t.Fatal(err)
	}
	if again.Provenance.ValuesDigest != rel.Provenance.ValuesDigest {
		t.Error("the same values recorded another values digest")
	}

	// A rollback records what it rolled back to, and who rolled back.
	rb, _, err := action.Rollback(t.Context(), e.staging, "app", action.RollbackOptions{
		Revision: 2, Origin: &action.Origin{Actor: "oncall"},
	})
	if err != nil {
		t.Fatal(err)
	}
	wantRB := &release.Provenance{
		Chart: up.Provenance.Chart, ValuesDigest: up.Provenance.ValuesDigest,
		SourceRevision: up.Provenance.SourceRevision, Actor: "oncall", RollbackTo: 2,
	}
	if d := cmp.Diff(wantRB, rb.Provenance); d != "" {
		t.Errorf("rollback provenance (-want +got):\n%s", d)
	}
}

// TestProvenanceWithoutCaller: a revision whose caller gives no provenance
// still records its values digest.
func TestProvenanceWithoutCaller(t *testing.T) {
	cfg, _ := newConfig(t)
	rel, _, err := action.Install(t.Context(), cfg, configMapChart(t), map[string]any{"color": "x"}, action.InstallOptions{Name: "web"})
	if err != nil {
		t.Fatal(err)
	}
	want := &release.Provenance{ValuesDigest: action.ValuesDigest(map[string]any{"color": "x"})}
	if d := cmp.Diff(want, rel.Provenance); d != "" {
		t.Errorf("provenance (-want +got):\n%s", d)
	}
}

// TestTestRunsRecorded: berth test records each run with the revision:
// passed or not, which tests failed, and the chart digest tested.
func TestTestRunsRecorded(t *testing.T) {
	e := newPromoteEnv(t)
	pushed := e.push(t, "a/app", archive(t, "1.0.0", "color: red\ntest: Pod\n"), nil)
	if _, err := e.deploy(t, pushed.Ref, nil, false); err != nil {
		t.Fatal(err)
	}
	played := finishPod(t, e.dyn, e.staging.Namespace, "app-test", "Failed")
	if err := e.test(t); err == nil {
		t.Fatal("a failed test passed")
	}
	if err := <-played; err != nil {
		t.Fatal(err)
	}
	// The next run deletes the failed Pod first; delete it now, so the
	// kubelet played next finds the new one.
	if err := e.dyn.Resource(pods).Namespace(e.staging.Namespace).Delete(t.Context(), "app-test", metav1.DeleteOptions{}); err != nil {
		t.Fatal(err)
	}
	played = finishPod(t, e.dyn, e.staging.Namespace, "app-test", "Succeeded")
	if err := e.test(t); err != nil {
		t.Fatal(err)
	}
	if err := <-played; err != nil {
		t.Fatal(err)
	}
	rel, err := release.Last(t.Context(), e.staging.Store, "app")
	if err != nil {
		t.Fatal(err)
	}
	type run struct {
		Passed bool
		Tests  int
		Failed []string
		Digest string
	}
	var got []run
	for _, r := range rel.Tests {
		if r.StartedAt.IsZero() || r.CompletedAt.Before(r.StartedAt) {
			t.Errorf("run timed %v to %v", r.StartedAt, r.CompletedAt)
		}
		got = append(got, run{r.Passed, r.Tests, r.Failed, r.ChartDigest})
	}
	want := []run{{false, 1, []string{"app-test"}, pushed.Digest}, {true, 1, nil, pushed.Digest}}
	if d := cmp.Diff(want, got); d != "" {
		t.Errorf("test records (-want +got):\n%s", d)
	}
}

func TestDetectOrigin(t *testing.T) {
	tests := []struct {
		name string
		env  map[string]string
		want action.Origin
	}{
		{"outside CI", map[string]string{"USER": "alice"}, action.Origin{Actor: "alice"}},
		{"GitHub Actions", map[string]string{
			"GITHUB_ACTIONS": "true", "GITHUB_SHA": "abc123", "GITHUB_SERVER_URL": "https://github.com",
			"GITHUB_REPOSITORY": "acme/web", "GITHUB_RUN_ID": "42", "GITHUB_RUN_ATTEMPT": "2", "GITHUB_ACTOR": "octocat",
			"USER": "runner",
		}, action.Origin{
			Actor: "octocat", SourceRevision: "abc123", SourceRepository: "https://github.com/acme/web",
			CI: &release.CIRun{System: "github-actions", URL: "https://github.com/acme/web/actions/runs/42/attempts/2"},
		}},
		{"GitLab CI", map[string]string{
			"GITLAB_CI": "true", "CI": "true", "CI_COMMIT_SHA": "def", "CI_PROJECT_URL": "https://gitlab.com/acme/web",
			"CI_JOB_URL": "https://gitlab.com/acme/web/-/jobs/7", "GITLAB_USER_LOGIN": "ann",
		}, action.Origin{
			Actor: "ann", SourceRevision: "def", SourceRepository: "https://gitlab.com/acme/web",
			CI: &release.CIRun{System: "gitlab-ci", URL: "https://gitlab.com/acme/web/-/jobs/7"},
		}},
		{"Jenkins without a build user", map[string]string{
			"JENKINS_URL": "https://jenkins/", "BUILD_URL": "https://jenkins/job/web/3/", "GIT_COMMIT": "f00", "USER": "jenkins",
		}, action.Origin{Actor: "jenkins", SourceRevision: "f00", CI: &release.CIRun{System: "jenkins", URL: "https://jenkins/job/web/3/"}}},
		{"Buildkite", map[string]string{
			"BUILDKITE": "true", "BUILDKITE_COMMIT": "b1", "BUILDKITE_BUILD_URL": "https://buildkite.com/acme/web/builds/9",
			"BUILDKITE_JOB_ID": "j1", "BUILDKITE_BUILD_CREATOR_EMAIL": "bo@example.com",
		}, action.Origin{
			Actor: "bo@example.com", SourceRevision: "b1",
			CI: &release.CIRun{System: "buildkite", URL: "https://buildkite.com/acme/web/builds/9#j1"},
		}},
		{"CircleCI", map[string]string{
			"CIRCLECI": "true", "CIRCLE_SHA1": "c1", "CIRCLE_BUILD_URL": "https://circleci.com/gh/acme/web/5", "CIRCLE_USERNAME": "cy",
		}, action.Origin{Actor: "cy", SourceRevision: "c1", CI: &release.CIRun{System: "circleci", URL: "https://circleci.com/gh/acme/web/5"}}},
		{"Azure Pipelines", map[string]string{
			"TF_BUILD": "True", "BUILD_SOURCEVERSION": "a1", "SYSTEM_COLLECTIONURI": "https://dev.azure.com/acme/",
			"SYSTEM_TEAMPROJECT": "web", "BUILD_BUILDID": "11", "BUILD_REQUESTEDFOR": "Az",
		}, action.Origin{Actor: "Az", SourceRevision: "a1", CI: &release.CIRun{
			System: "azure-pipelines", URL: "https://dev.azure.com/acme/web/_build/results?buildId=11",
		}}},
		{"unknown CI", map[string]string{"CI": "true", "LOGNAME": "ci"}, action.Origin{Actor: "ci", CI: &release.CIRun{System: "ci"}}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got := action.DetectOrigin(func(k string) (string, bool) { v, ok := tt.env[k]; return v, ok })
			if d := cmp.Diff(tt.want, got); d != "" {
				t.Errorf("origin (-want +got):\n%s", d)
			}
		})
	}
}
