//go:build !linux

package main

// evictBinaries drops the tools' page cache where the system allows it;
// elsewhere it does nothing.
func evictBinaries(config) {}
