//go:build !unix

package chart

// readFile returns the contents of the file at name, of size bytes when
// measured, failing if it holds more than limit bytes.
func readFile(name string, size, limit int64) ([]byte, error) {
	return readAtMost(name, size, limit)
}
