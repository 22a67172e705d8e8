package release

import (
	"encoding/json"
	"time"
)

// Imported says where a revision that another tool recorded came from
// (berth import helm), so that it can be told apart and exported back.
type Imported struct {
	// From is the tool that recorded the revision: "helm".
	From string `json:"from"`
	// Record is the record it was read from, as Kind/namespace/name.
	Record string `json:"record"`
	// At is when it was imported.
	At time.Time `json:"at"`
	// Original is the revision as the other tool stored it (Helm's
	// release JSON), kept whole, fields berth does not know included, so
	// that export writes it back as it was.
	Original json.RawMessage `json:"original,omitempty"`
}
