package registry

import (
	"crypto/tls"
	"crypto/x509"
	"net/http"
	"os"
	"strings"
	"testing"
)

// status returns the HTTP status and headers of a GET of url.
func status(t *testing.T, client *http.Client, url, user, password string) (int, http.Header) {
	t.Helper()
	req, err := http.NewRequestWithContext(t.Context(), http.MethodGet, url, nil)
	if err != nil {
		t.Fatal(err)
	}
	if user != "" {
		req.SetBasicAuth(user, password)
	}
	resp, err := client.Do(req)
	if err != nil {
		t.Fatalf("GET %s: %v", url, err)
	}
	resp.Body.Close()
	return resp.StatusCode, resp.Header
}

func TestBasicAuth(t *testing.T) {
	reg := New(t, WithBasicAuth("ann", "s3cret"))
	if !strings.HasPrefix(reg.Host, "127.0.0.1:") || reg.URL != "http://"+reg.Host {
		t.Fatalf("Host %q URL %q", reg.Host, reg.URL)
	}
	tests := []struct {
		name, user, password string
		want                 int
	}{
		{"no credentials", "", "", http.StatusUnauthorized},
		{"wrong password", "ann", "nope", http.StatusUnauthorized},
		{"wrong user", "bob", "s3cret", http.StatusUnauthorized},
		{"right credentials", "ann", "s3cret", http.StatusOK},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, header := status(t, http.DefaultClient, reg.URL+"/v2/", tt.user, tt.password)
			if got != tt.want {
				t.Fatalf("status = %d, want %d", got, tt.want)
			}
			if tt.want == http.StatusUnauthorized && !strings.HasPrefix(header.Get("WWW-Authenticate"), "Basic ") {
				t.Errorf("401 without a Basic challenge: %q", header.Get("WWW-Authenticate"))
			}
		})
	}
}

func TestTLS(t *testing.T) {
	reg := New(t, WithTLS())
	if reg.URL != "https://"+reg.Host || reg.Ref("/charts") != "oci://"+reg.Host+"/charts" {
		t.Fatalf("URL %q Ref %q", reg.URL, reg.Ref("/charts"))
	}
	pemFile, err := os.ReadFile(reg.CAFile)
	if err != nil || string(pemFile) != string(reg.CAPEM) {
		t.Fatalf("CAFile does not hold CAPEM: %v", err)
	}
	pool := x509.NewCertPool()
	if !pool.AppendCertsFromPEM(reg.CAPEM) {
		t.Fatal("CAPEM holds no certificate")
	}
	trusting := &http.Client{Transport: &http.Transport{TLSClientConfig: &tls.Config{RootCAs: pool, MinVersion: tls.VersionTLS12}}}
	if got, _ := status(t, trusting, reg.URL+"/v2/", "", ""); got != http.StatusOK {
		t.Errorf("status with the CA = %d", got)
	}
	req, err := http.NewRequestWithContext(t.Context(), http.MethodGet, reg.URL+"/v2/", nil)
	if err != nil {
		t.Fatal(err)
	}
	if resp, err := http.DefaultClient.Do(req); err == nil {
		resp.Body.Close()
		t.Error("a client without the CA connected")
	}
}
