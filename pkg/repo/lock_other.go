//go:build !unix

package repo

// lockFile does nothing where flock is unavailable: writes stay atomic,
// but two processes changing the file at once may lose one change.
func lockFile(string) (func(), error) { return func() {}, nil }
