package action

import (
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"

	"github.com/berth-sh/berth/pkg/chart"
)

// writeCharts writes the fetched archives into charts/ (each to a
// temporary file renamed into place, after every download succeeded) and
// then deletes the chart archives there that are not among them, except
// those of dependencies kept unpacked in charts/, as Helm does.
func (d *Dependencies) writeCharts(fetched []*fetchedChart) (*DependencyResult, error) {
	dir := filepath.Join(d.ChartPath, chart.ChartsDir)
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return nil, fmt.Errorf("create %s: %w", dir, err)
	}
	res := &DependencyResult{Charts: []DependencyArchive{}}
	written := map[string]bool{}
	unpacked := map[string]bool{}
	for _, fc := range fetched {
		if fc.archive == nil {
			unpacked[fc.dep.Name] = true
			continue
		}
		name := fc.dep.Name + "-" + fc.version + ".tgz"
		path := filepath.Join(dir, name)
		if !written[name] {
			if err := writeFileAtomic(path, fc.archive); err != nil {
				return nil, err
			}
			written[name] = true
		}
		sum := sha256.Sum256(fc.archive)
		res.Charts = append(res.Charts, DependencyArchive{
			Name: fc.dep.Name, Version: fc.version, Repository: fc.dep.Repository,
			Path: path, Digest: "sha256:" + hex.EncodeToString(sum[:]),
		})
	}
	removed, err := d.removeOutdated(dir, written, unpacked)
	res.Removed = removed
	return res, err
}

// removeOutdated deletes the files of dir that are chart archives, not
// just written and not charts kept unpacked.
func (d *Dependencies) removeOutdated(dir string, written, unpacked map[string]bool) ([]string, error) {
	entries, err := os.ReadDir(dir)
	if err != nil {
		return nil, fmt.Errorf("list %s: %w", dir, err)
	}
	var removed []string
	for _, e := range entries {
		if !e.Type().IsRegular() || written[e.Name()] || strings.HasPrefix(e.Name(), ".") {
			continue
		}
		path := filepath.Join(dir, e.Name())
		ch, err := chart.LoadFile(path)
		if err != nil {
			continue // not a chart archive: not ours to delete
		}
		if unpacked[ch.Name()] {
			continue
		}
		if err := os.Remove(path); err != nil {
			return removed, fmt.Errorf("remove outdated %s: %w", path, err)
		}
		d.log("Removed outdated %s", path)
		removed = append(removed, path)
	}
	return removed, nil
}

// writeFileAtomic writes data to a temporary file next to path and renames
// it into place, so that charts/ never holds a partial archive.
func writeFileAtomic(path string, data []byte) error {
	tmp, err := os.CreateTemp(filepath.Dir(path), "."+filepath.Base(path)+".*")
	if err != nil {
		return fmt.Errorf("write %s: %w", path, err)
	}
	defer os.Remove(tmp.Name()) // no-op once renamed
	_, werr := tmp.Write(data)
	serr := tmp.Sync()
	cerr := tmp.Close()
	if err := errors.Join(werr, serr, cerr); err != nil {
		return fmt.Errorf("write %s: %w", path, err)
	}
	if err := os.Chmod(tmp.Name(), 0o644); err != nil { //nolint:gosec // chart archives are meant to be readable
		return fmt.Errorf("write %s: %w", path, err)
	}
	if err := os.Rename(tmp.Name(), path); err != nil {
		return fmt.Errorf("write %s: %w", path, err)
	}
	return nil
}
