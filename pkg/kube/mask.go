package kube

import (
	"encoding/base64"
	"fmt"

	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
)

// secretFields are the fields of a Secret whose values are never shown.
var secretFields = []string{"data", "stringData"}

// isSecret reports whether obj is a core Secret.
func isSecret(obj *unstructured.Unstructured) bool {
	return obj != nil && obj.GetKind() == "Secret" && obj.GroupVersionKind().Group == ""
}

// MaskSecrets replaces, in place, the values of data and stringData of the
// Secrets among before and after (either may be nil) by
// "(sensitive, N bytes)", or "(sensitive, N bytes, changed)" on the after
// side when the key holds a different value on both sides. N is the size of
// the decoded value. Masking both sides of a comparison at once keeps
// changes visible without printing a value: call it before diffing and
// before any output. Other objects are left alone.
func MaskSecrets(before, after *unstructured.Unstructured) {
	for _, field := range secretFields {
		oldValues := secretValues(before, field)
		newValues := secretValues(after, field)
		for key, v := range newValues {
			old, existed := oldValues[key]
			newValues[key] = sensitive(field, v, existed && fmt.Sprint(old) != fmt.Sprint(v))
		}
		for key, v := range oldValues {
			oldValues[key] = sensitive(field, v, false)
		}
		setSecretValues(before, field, oldValues)
		setSecretValues(after, field, newValues)
	}
}

// secretValues returns a copy of the string map at field of a Secret; nil
// for other objects or when the field is absent.
func secretValues(obj *unstructured.Unstructured, field string) map[string]any {
	if !isSecret(obj) {
		return nil
	}
	m, ok := obj.Object[field].(map[string]any)
	if !ok {
		return nil
	}
	out := make(map[string]any, len(m))
	for k, v := range m {
		out[k] = v
	}
	return out
}

func setSecretValues(obj *unstructured.Unstructured, field string, values map[string]any) {
	if values != nil {
		obj.Object[field] = values
	}
}

// sensitive is the mask of one Secret value.
func sensitive(field string, v any, changed bool) string {
	s := fmt.Sprint(v)
	size := len(s)
	if field == "data" {
		if decoded, err := base64.StdEncoding.DecodeString(s); err == nil {
			size = len(decoded)
		}
	}
	if changed {
		return fmt.Sprintf("(sensitive, %d bytes, changed)", size)
	}
	return fmt.Sprintf("(sensitive, %d bytes)", size)
}
