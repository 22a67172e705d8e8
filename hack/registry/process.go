//go:build unix

package main

import (
	"bytes"
	"context"
	"crypto/tls"
	"crypto/x509"
	"fmt"
	"net/http"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"
	"time"
)

// running reports whether pid is alive, not a zombie, and runs the named
// program (so a recycled PID is never mistaken for the registry).
func running(pid int, name string) bool {
	if pid <= 0 || syscall.Kill(pid, 0) != nil {
		return false
	}
	comm, err := os.ReadFile(filepath.Join("/proc", strconv.Itoa(pid), "comm"))
	if err != nil || string(bytes.TrimSpace(comm)) != name {
		return false
	}
	stat, err := os.ReadFile(filepath.Join("/proc", strconv.Itoa(pid), "stat"))
	if i := bytes.LastIndexByte(stat, ')'); err == nil && i >= 0 && i+2 < len(stat) {
		return stat[i+2] != 'Z'
	}
	return true
}

// stopProcess stops pid's process group: SIGTERM, then SIGKILL after grace.
func stopProcess(pid int, name string, grace time.Duration) error {
	if !running(pid, name) {
		return nil
	}
	_ = syscall.Kill(-pid, syscall.SIGTERM)
	if waitExit(pid, name, grace) {
		return nil
	}
	_ = syscall.Kill(-pid, syscall.SIGKILL)
	if waitExit(pid, name, 10*time.Second) {
		return nil
	}
	return fmt.Errorf("%s (PID %d) still running after SIGKILL", name, pid)
}

func waitExit(pid int, name string, timeout time.Duration) bool {
	deadline := time.Now().Add(timeout)
	for running(pid, name) {
		if time.Now().After(deadline) {
			return false
		}
		time.Sleep(50 * time.Millisecond)
	}
	return true
}

// readPID returns the PID recorded in path, or 0.
func readPID(path string) int {
	data, err := os.ReadFile(path)
	if err != nil {
		return 0
	}
	pid, err := strconv.Atoi(strings.TrimSpace(string(data)))
	if err != nil {
		return 0
	}
	return pid
}

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
	data, err := os.ReadFile(path)
	if err != nil {
		return "(" + err.Error() + ")"
	}
	lines := strings.Split(strings.TrimRight(string(data), "\n"), "\n")
	if len(lines) > n {
		lines = lines[len(lines)-n:]
	}
	return strings.Join(lines, "\n")
}
