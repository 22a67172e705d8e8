//go:build unix

package main

import (
	"context"
	"crypto/tls"
	"crypto/x509"
	"fmt"
	"net/http"
	"os"
	"strings"
	"time"

	"github.com/berth-sh/berth/hack/internal/localproc"
)

// probe checks that https://addr/v2/ verifies with the CA in caFile and
// answers 401: the registry is up and requires credentials.
func probe(ctx context.Context, addr, caFile string) error {
	caPEM, err := os.ReadFile(caFile)
	if err != nil {
		return fmt.Errorf("read CA: %w", err)
	}
	pool := x509.NewCertPool()
	if !pool.AppendCertsFromPEM(caPEM) {
		return fmt.Errorf("%s holds no PEM certificate", caFile)
	}
	client := &http.Client{
		Timeout:   2 * time.Second,
		Transport: &http.Transport{TLSClientConfig: &tls.Config{RootCAs: pool, MinVersion: tls.VersionTLS12}},
	}
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, "https://"+addr+"/v2/", nil)
	if err != nil {
		return err
	}
	resp, err := client.Do(req)
	if err != nil {
		return fmt.Errorf("GET /v2/: %w", err)
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusUnauthorized {
		return fmt.Errorf("GET /v2/: %s, want 401 Unauthorized", resp.Status)
	}
	return nil
}

// tail returns the last n lines of the file at path.
func tail(path string, n int) string {
	lines, err := localproc.TailLines(path, n)
	if err != nil {
		return "(" + err.Error() + ")"
	}
	return strings.Join(lines, "\n")
}
