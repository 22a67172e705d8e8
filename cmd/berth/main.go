// Command berth is a declarative deployment CLI for Kubernetes that renders
// Helm charts, applies them with server-side apply and records releases.
package main

import (
	"os"

	"github.com/berth-sh/berth/internal/cli"
)

func main() { os.Exit(cli.Main()) }
