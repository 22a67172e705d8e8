package repo_test

import (
	"bytes"
	"errors"
	"net/http"
	"net/http/httptest"
	"os"
	"strings"
	"testing"

	"github.com/berth-sh/berth/pkg/repo"
	"github.com/berth-sh/berth/pkg/repo/repotest"
)

func newClient(t *testing.T, e *repo.Entry) *repo.Client {
	t.Helper()
	c, err := repo.NewClient(e, "berth-test")
	if err != nil {
		t.Fatal(err)
	}
	return c
}

func TestFetchIndexAndDownload(t *testing.T) {
	srv := repotest.New(t, repotest.WithBasicAuth("ann", "s3cret"))
	archive := repotest.Archive(t, "app", "1.2.3")
	srv.AddChart(t, archive)
	srv.AddChart(t, repotest.Archive(t, "app", "1.3.0"))
	c := newClient(t, &repo.Entry{Name: "acme", URL: srv.URL + "/", Username: "ann", Password: "s3cret"})

	cacheDir := t.TempDir()
	idx, err := c.UpdateCache(t.Context(), cacheDir)
	if err != nil {
		t.Fatal(err)
	}
	cached, err := repo.LoadIndexFile(repo.IndexCachePath(cacheDir, "acme"))
	if err != nil {
		t.Fatalf("cached index: %v", err)
	}
	if len(cached.Entries["app"]) != 2 {
		t.Errorf("cached index has %d versions of app, want 2", len(cached.Entries["app"]))
	}
	cv, err := idx.Get("app", "~1.2")
	if err != nil {
		t.Fatal(err)
	}
	got, err := c.DownloadChart(t.Context(), cv)
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(got, archive) {
		t.Error("downloaded archive differs from the one served")
	}
}

func TestClientErrors(t *testing.T) {
	authSrv := repotest.New(t, repotest.WithBasicAuth("ann", "s3cret"))
	plainSrv := repotest.New(t)
	tlsSrv := repotest.New(t, repotest.WithTLS())
	htmlSrv := repotest.New(t)
	htmlSrv.SetIndex([]byte("<html>sign in</html>"))
	tests := []struct {
		name     string
		entry    *repo.Entry
		wantKind error
		want     []string
	}{
		{
			"no credentials", &repo.Entry{Name: "acme", URL: authSrv.URL},
			repo.ErrUnauthorized,
			[]string{`fetch index of repository "acme" (` + authSrv.URL + `/index.yaml): unauthorized`, "--username"},
		},
		{
			"wrong password", &repo.Entry{Name: "acme", URL: authSrv.URL, Username: "ann", Password: "nope"},
			repo.ErrUnauthorized,
			[]string{"unauthorized: 401 Unauthorized", "check the repository's credentials"},
		},
		{
			"no index at URL", &repo.Entry{Name: "acme", URL: plainSrv.URL + "/sub/dir"},
			repo.ErrNotFound,
			[]string{plainSrv.URL + "/sub/dir/index.yaml): not found", "no index.yaml at this URL"},
		},
		{
			"unknown CA", &repo.Entry{Name: "acme", URL: tlsSrv.URL},
			repo.ErrTLS,
			[]string{"TLS connection failed", "--ca-file"},
		},
		{
			"not an index", &repo.Entry{Name: "acme", URL: htmlSrv.URL},
			repo.ErrInvalidIndex,
			[]string{"not a valid chart repository index", "does not serve a Helm chart repository index"},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, _, err := newClient(t, tt.entry).FetchIndex(t.Context())
			if !errors.Is(err, tt.wantKind) {
				t.Fatalf("FetchIndex = %v, want %v", err, tt.wantKind)
			}
			var repoErr *repo.Error
			if !errors.As(err, &repoErr) {
				t.Errorf("error is not a *repo.Error: %T", err)
			}
			for _, w := range tt.want {
				if !strings.Contains(err.Error(), w) {
					t.Errorf("error %q lacks %q", err, w)
				}
			}
		})
	}
}

func TestTLSWithCA(t *testing.T) {
	srv := repotest.New(t, repotest.WithTLS())
	srv.AddChart(t, repotest.Archive(t, "app", "1.0.0"))
	idx, _, err := newClient(t, &repo.Entry{Name: "acme", URL: srv.URL, CAFile: srv.CAFile}).FetchIndex(t.Context())
	if err != nil {
		t.Fatal(err)
	}
	if _, err := idx.Get("app", ""); err != nil {
		t.Error(err)
	}
	if _, _, err := newClient(t, &repo.Entry{URL: srv.URL, InsecureSkipTLSVerify: true}).FetchIndex(t.Context()); err != nil {
		t.Errorf("--insecure-skip-tls-verify: %v", err)
	}
}

func TestDownloadChartDigestMismatch(t *testing.T) {
	srv := repotest.New(t)
	cv := srv.AddChart(t, repotest.Archive(t, "app", "1.0.0"))
	cv.Digest = strings.Repeat("0", 64)
	_, err := newClient(t, &repo.Entry{Name: "acme", URL: srv.URL}).DownloadChart(t.Context(), cv)
	if !errors.Is(err, repo.ErrDigestMismatch) {
		t.Fatalf("DownloadChart = %v, want ErrDigestMismatch", err)
	}
}

func TestCredentialsStayOnTheRepositoryHost(t *testing.T) {
	var gotAuth []string
	other := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		_, _, ok := r.BasicAuth()
		gotAuth = append(gotAuth, map[bool]string{true: "auth", false: "none"}[ok])
		_, _ = w.Write(repotest.Archive(t, "app", "1.0.0"))
	}))
	defer other.Close()
	srv := repotest.New(t, repotest.WithBasicAuth("ann", "pw"))
	cv := &repo.ChartVersion{URLs: []string{other.URL + "/app-1.0.0.tgz"}}
	for _, passAll := range []bool{false, true} {
		e := &repo.Entry{Name: "acme", URL: srv.URL, Username: "ann", Password: "pw", PassCredentialsAll: passAll}
		if _, err := newClient(t, e).DownloadChart(t.Context(), cv); err != nil {
			t.Fatal(err)
		}
	}
	if strings.Join(gotAuth, ",") != "none,auth" {
		t.Errorf("credentials sent to another host: %v, want none then auth (pass_credentials_all)", gotAuth)
	}
}

func TestResolveURL(t *testing.T) {
	tests := []struct{ base, ref, want string }{
		{"https://example.com/charts", "app-1.0.0.tgz", "https://example.com/charts/app-1.0.0.tgz"},
		{"https://example.com/charts/", "sub/app-1.0.0.tgz", "https://example.com/charts/sub/app-1.0.0.tgz"},
		{"https://example.com/charts?token=x", "app.tgz", "https://example.com/charts/app.tgz?token=x"},
		{"https://example.com/charts", "https://cdn.example.com/app.tgz", "https://cdn.example.com/app.tgz"},
	}
	for _, tt := range tests {
		got, err := repo.ResolveURL(tt.base, tt.ref)
		if err != nil || got != tt.want {
			t.Errorf("ResolveURL(%q, %q) = %q, %v; want %q", tt.base, tt.ref, got, err, tt.want)
		}
	}
}

func TestNewClientRejects(t *testing.T) {
	for _, e := range []*repo.Entry{
		{URL: "oci://example.com/charts"},
		{URL: "example.com"},
		{URL: "https://example.com", CAFile: "/nonexistent/ca.pem"},
		{URL: "https://example.com", CertFile: "c.pem"},
	} {
		if _, err := repo.NewClient(e, ""); err == nil {
			t.Errorf("NewClient(%+v) succeeded", e)
		}
	}
	if _, err := os.Stat("/nonexistent/ca.pem"); err == nil {
		t.Fatal("test assumes /nonexistent/ca.pem does not exist")
	}
}
