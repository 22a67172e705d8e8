// Command docgen writes berth's command reference (Markdown generated from
// the cobra commands) into the folder given as its argument. `make docs`
// runs it; internal/cli's TestCommandDocsUpToDate fails when the committed
// pages are stale.
package main

import (
	"fmt"
	"os"

	"github.com/berth-sh/berth/internal/cli/docgen"
)

func main() {
	if len(os.Args) != 2 {
		fmt.Fprintln(os.Stderr, "usage: docgen DIR")
		os.Exit(2)
	}
	if err := docgen.WriteDocs(os.Args[1]); err != nil {
		fmt.Fprintln(os.Stderr, "docgen:", err)
		os.Exit(1)
	}
}
