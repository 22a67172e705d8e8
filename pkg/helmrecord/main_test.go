package helmrecord_test

import (
	"os"
	"testing"

	"github.com/berth-sh/berth/internal/testenv"
)

func TestMain(m *testing.M) { os.Exit(testenv.Run(m)) }
