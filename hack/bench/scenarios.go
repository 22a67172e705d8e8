package main

// scenarios lists the comparisons, each the same work for berth and Helm.
// Every issue that adds a command adds its benchmarks here.
func scenarios(_ config) []scenario {
	return []scenario{
		{
			name:  "process start (version)",
			berth: []string{"version"},
			helm:  []string{"version"},
		},
	}
}
