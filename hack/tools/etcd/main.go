// Command etcd is etcd 3.6 built from the Go module proxy for berth's local
// control plane and envtest. Debian's etcd 3.4 lacks watch progress
// notifications, which client-go 1.36 watch-list informers need.
package main

import (
	"os"

	"go.etcd.io/etcd/server/v3/etcdmain"
)

func main() { etcdmain.Main(os.Args) }
