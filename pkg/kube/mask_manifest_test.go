package kube

import (
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
)

func TestMaskManifest(t *testing.T) {
	manifest := `---
# Source: web/templates/cm.yaml
apiVersion: v1
kind: ConfigMap
metadata:
  name: web
data:
  color: red
---
# Source: web/templates/secret.yaml
apiVersion: v1
kind: Secret
metadata:
  name: web-token
stringData:
  token: s3cr3t-value
data:
  key: czNjcjN0
---
# Source: web/templates/broken.yaml
kind: Secret
stringData: [s3cr3t-broken
`
	want := `---
# Source: web/templates/cm.yaml
apiVersion: v1
kind: ConfigMap
metadata:
  name: web
data:
  color: red
---
# Source: web/templates/secret.yaml
apiVersion: v1
data:
  key: (sensitive, 6 bytes)
kind: Secret
metadata:
  name: web-token
stringData:
  token: (sensitive, 12 bytes)
---
# Source: web/templates/broken.yaml
# (sensitive: a Secret document that does not parse is not shown)
`
	got := MaskManifest(manifest)
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("MaskManifest (-want +got):\n%s", diff)
	}
	for _, secret := range []string{"s3cr3t", "czNjcjN0"} {
		if strings.Contains(got, secret) {
			t.Errorf("masked manifest shows %q", secret)
		}
	}
	if plain := "kind: ConfigMap\nmetadata: {name: a}\n"; MaskManifest(plain) != plain {
		t.Errorf("MaskManifest changed a manifest without Secrets")
	}
}
