package repotest

import (
	"io/fs"
	"net/http"
	"os"
	"strings"
)

// ServeDir makes the server serve the files of dir, such as a directory
// indexed by `repo index` (its index.yaml and archives), instead of the
// index and charts added to it. Paths that leave dir are not found.
func (s *Server) ServeDir(dir string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.dir = dir
}

// serveDir answers r from s.dir; the caller holds s.mu.
func (s *Server) serveDir(w http.ResponseWriter, r *http.Request) {
	name := strings.TrimPrefix(r.URL.Path, "/")
	if !fs.ValidPath(name) {
		http.NotFound(w, r)
		return
	}
	http.ServeFileFS(w, r, os.DirFS(s.dir), name)
}
