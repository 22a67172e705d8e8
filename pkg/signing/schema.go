package signing

import (
	"reflect"

	"github.com/berth-sh/berth/internal/jsonschemagen"
)

// SchemaFile is the name of the trust policy's published JSON schema, in
// docs/schema; a test keeps it equal to PolicySchema.
const SchemaFile = "trust-policy-v1alpha1.json"

// PolicySchema returns the JSON schema (draft 2020-12) of the trust policy
// file, generated from the Policy type by jsonschemagen.
func PolicySchema() ([]byte, error) {
	return jsonschemagen.Generate(reflect.TypeFor[Policy](), "https://berth.sh/schema/"+SchemaFile,
		"berth trust policy, berth.sh/v1alpha1 TrustPolicy")
}
