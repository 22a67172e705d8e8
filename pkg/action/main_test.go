package action_test

import (
	"os"
	"testing"

	"github.com/berth-sh/berth/internal/testenv"
)

// TestMain runs this package's tests against a real kube-apiserver.
func TestMain(m *testing.M) { os.Exit(testenv.Run(m)) }
