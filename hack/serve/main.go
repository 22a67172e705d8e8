// Command serve serves a directory over HTTP on loopback, as a static chart
// repository (index.yaml and archives) for the demo and for trying berth by
// hand:
//
//	go run ./hack/serve -dir repo [-addr 127.0.0.1:0] [-url-file FILE]
//
// It prints the URL it serves on (and writes it to -url-file) and serves
// until it is interrupted. Every request is logged to stderr.
package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"log"
	"net"
	"net/http"
	"os"
	"os/signal"
	"syscall"
	"time"
)

func main() {
	dir := flag.String("dir", ".", "directory to serve")
	addr := flag.String("addr", "127.0.0.1:0", "address to listen on (port 0: any free port)")
	urlFile := flag.String("url-file", "", "also write the URL to this file, once listening")
	flag.Parse()
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	if err := serve(ctx, *dir, *addr, *urlFile); err != nil {
		fmt.Fprintln(os.Stderr, "serve:", err)
		os.Exit(1)
	}
}

func serve(ctx context.Context, dir, addr, urlFile string) error {
	if st, err := os.Stat(dir); err != nil || !st.IsDir() {
		return fmt.Errorf("-dir %q is not a directory", dir)
	}
	var lc net.ListenConfig
	ln, err := lc.Listen(ctx, "tcp", addr)
	if err != nil {
		return err
	}
	url := "http://" + ln.Addr().String()
	if urlFile != "" {
		if err := os.WriteFile(urlFile, []byte(url+"\n"), 0o600); err != nil {
			return err
		}
	}
	fmt.Println(url)
	files := http.FileServer(http.Dir(dir))
	srv := &http.Server{
		ReadHeaderTimeout: 10 * time.Second,
		Handler: http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			log.Printf("%s %q", r.Method, r.URL.Path) //nolint:gosec // quoted: a newline in the path cannot forge a log line
			files.ServeHTTP(w, r)
		}),
	}
	go func() {
		<-ctx.Done()
		_ = srv.Close()
	}()
	if err := srv.Serve(ln); !errors.Is(err, http.ErrServerClosed) {
		return err
	}
	return nil
}
