package main

import (
	"fmt"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"time"
)

// controlPlane are the local cluster's processes (hack/cluster), whose
// CPU the deploy scenarios report next to the tools': the API server and
// etcd share the machine's cores with the tool being measured, so they
// bound how fast any client can be.
var controlPlane = []string{"etcd", "kube-apiserver", "kube-controller-manager", "kube-scheduler", "kwok"}

// clusterCPU returns the CPU time (user + system) the local cluster's
// processes have used so far, and false when the cluster is not running.
func (lc *localCluster) clusterCPU() (time.Duration, bool) {
	if lc == nil || lc.client == nil {
		return 0, false
	}
	dir := filepath.Join(filepath.Dir(lc.kubeconfig), "pids")
	var total time.Duration
	for _, name := range controlPlane {
		data, err := os.ReadFile(filepath.Join(dir, name+".pid"))
		if err != nil {
			return 0, false
		}
		pid, err := strconv.Atoi(strings.TrimSpace(string(data)))
		if err != nil {
			return 0, false
		}
		cpu, err := processCPU(pid)
		if err != nil {
			return 0, false
		}
		total += cpu
	}
	return total, true
}

// processCPU reads utime + stime of process pid from /proc (in USER_HZ,
// 100 per second on Linux).
func processCPU(pid int) (time.Duration, error) {
	data, err := os.ReadFile(fmt.Sprintf("/proc/%d/stat", pid))
	if err != nil {
		return 0, err
	}
	// The command name is in parentheses and may hold spaces: the fields
	// that follow start after the last ')'.
	rest := string(data)
	if i := strings.LastIndexByte(rest, ')'); i >= 0 {
		rest = rest[i+1:]
	}
	fields := strings.Fields(rest)
	// After the name: state is field 3 of the whole line, utime 14, stime 15.
	if len(fields) < 13 {
		return 0, fmt.Errorf("/proc/%d/stat: %d fields", pid, len(fields))
	}
	var ticks int64
	for _, f := range fields[11:13] {
		n, err := strconv.ParseInt(f, 10, 64)
		if err != nil {
			return 0, fmt.Errorf("/proc/%d/stat: %w", pid, err)
		}
		ticks += n
	}
	return time.Duration(ticks) * (time.Second / 100), nil
}
