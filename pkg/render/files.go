package render

import (
	"github.com/berth-sh/berth/pkg/chart"
	"github.com/berth-sh/berth/pkg/render/internal/engine"
)

// Files is .Files in templates: a chart's non-template files by path
// relative to the chart root, with Get, GetBytes, Glob, Lines, AsConfig
// and AsSecrets. It prints as Helm's type does ("engine.files").
type Files = engine.Files

// NewFiles indexes a chart's files by name.
func NewFiles(from []*chart.File) Files { return engine.NewFiles(from) }
