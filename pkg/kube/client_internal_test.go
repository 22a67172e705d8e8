package kube

import (
	"testing"

	"k8s.io/client-go/rest"
)

func TestRaiseRateLimits(t *testing.T) {
	tests := []struct {
		name      string
		qps       float32
		burst     int
		wantQPS   float32
		wantBurst int
	}{
		{name: "client-go defaults", wantQPS: minQPS, wantBurst: minBurst},
		{name: "low", qps: 5, burst: 10, wantQPS: minQPS, wantBurst: minBurst},
		{name: "higher kept", qps: 1000, burst: 2000, wantQPS: 1000, wantBurst: 2000},
		{name: "disabled kept", qps: -1, burst: 0, wantQPS: -1, wantBurst: minBurst},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			cfg := &rest.Config{QPS: tt.qps, Burst: tt.burst}
			raiseRateLimits(cfg)
			if cfg.QPS != tt.wantQPS || cfg.Burst != tt.wantBurst {
				t.Errorf("QPS, burst = %v, %v; want %v, %v", cfg.QPS, cfg.Burst, tt.wantQPS, tt.wantBurst)
			}
		})
	}
}
