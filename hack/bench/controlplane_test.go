package main

import (
	"os"
	"testing"
	"time"
)

func TestProcessCPUCountsThisProcess(t *testing.T) {
	pid := os.Getpid()
	before, err := processCPU(pid)
	if err != nil {
		t.Fatal(err)
	}
	deadline := time.Now().Add(300 * time.Millisecond)
	n := 0
	for time.Now().Before(deadline) {
		n++
	}
	after, err := processCPU(pid)
	if err != nil {
		t.Fatal(err)
	}
	if after-before < 100*time.Millisecond {
		t.Errorf("300 ms of busy loop (%d turns) counted as %v of CPU, want at least 100ms", n, after-before)
	}
}

func TestClusterCPUWithoutCluster(t *testing.T) {
	if _, ok := (&localCluster{}).clusterCPU(); ok {
		t.Error("clusterCPU of a cluster that was never started reported a figure")
	}
}
