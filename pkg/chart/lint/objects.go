package lint

import (
	"errors"
	"fmt"
	"strconv"
	"strings"
	"sync"

	apiextv1 "k8s.io/apiextensions-apiserver/pkg/apis/apiextensions/v1"
	apiextv1beta1 "k8s.io/apiextensions-apiserver/pkg/apis/apiextensions/v1beta1"
	"k8s.io/apimachinery/pkg/api/validate/content"
	"k8s.io/apimachinery/pkg/api/validation"
	"k8s.io/apimachinery/pkg/runtime"
	"k8s.io/apimachinery/pkg/runtime/schema"
	"k8s.io/apimachinery/pkg/util/validation/field"
	clientscheme "k8s.io/client-go/kubernetes/scheme"

	"github.com/berth-sh/berth/pkg/render"
)

// validateMetadataName checks metadata.name with the rule the API server
// applies to the object's kind, a DNS subdomain for most.
func validateMetadataName(obj *object) error {
	var errs field.ErrorList
	for _, msg := range nameValidator(obj.Kind)(obj.Metadata.Name, false) {
		errs = append(errs, field.Invalid(field.NewPath("metadata").Child("name"), obj.Metadata.Name, msg))
	}
	if len(errs) > 0 {
		return fmt.Errorf("object name does not conform to Kubernetes naming requirements: %q: %w",
			obj.Metadata.Name, errs.ToAggregate())
	}
	return nil
}

// nameValidator returns the name rule of kind, as the API server's
// validation of each group has it.
func nameValidator(kind string) validation.ValidateNameFunc {
	switch strings.ToLower(kind) {
	case "service":
		return validation.NameIsDNS1035Label
	case "namespace":
		return validation.ValidateNamespaceName
	case "certificatesigningrequest":
		return func(string, bool) []string { return nil }
	case "role", "clusterrole", "rolebinding", "clusterrolebinding":
		return func(name string, _ bool) []string { return content.IsPathSegmentName(name) }
	default:
		return validation.NameIsDNSSubdomain
	}
}

// lifecycleScheme knows the built-in types and CRDs, whose Go types carry
// the release their API was deprecated and removed in. It is built on first
// use: every berth command would otherwise pay for it at start-up.
var lifecycleScheme = sync.OnceValue(newLifecycleScheme)

func newLifecycleScheme() *runtime.Scheme {
	s := runtime.NewScheme()
	// AddToScheme of generated API packages only fails on conflicting
	// registrations, which these distinct groups do not have.
	_ = clientscheme.AddToScheme(s)
	_ = apiextv1beta1.AddToScheme(s)
	_ = apiextv1.AddToScheme(s)
	return s
}

type (
	lifecycleDeprecated  interface{ APILifecycleDeprecated() (major, minor int) }
	lifecycleRemoved     interface{ APILifecycleRemoved() (major, minor int) }
	lifecycleReplacement interface {
		APILifecycleReplacement() schema.GroupVersionKind
	}
)

// validateNoDeprecations reports an object whose API is deprecated in kv,
// with Helm's message, which names the release that removes it (the
// generated APILifecycleRemoved of its Go type) and its replacement. Kinds
// the scheme does not know, such as custom resources, pass.
func validateNoDeprecations(obj *object, kv render.KubeVersion) error {
	if obj.APIVersion == "" || obj.Kind == "" {
		return nil
	}
	gvk := schema.FromAPIVersionAndKind(obj.APIVersion, obj.Kind)
	typed, err := lifecycleScheme().New(gvk)
	if err != nil {
		return nil //nolint:nilerr // not a built-in kind: nothing to check
	}
	dep, ok := typed.(lifecycleDeprecated)
	if !ok {
		return nil
	}
	depMajor, depMinor := dep.APILifecycleDeprecated()
	if depMajor == 0 && depMinor == 0 {
		return nil
	}
	major, minor := kubeMajorMinor(kv)
	if !atLeast(major, minor, depMajor, depMinor) {
		return nil
	}
	msg := fmt.Sprintf("%s %s is deprecated in v%d.%d+", gvk.GroupVersion(), gvk.Kind, depMajor, depMinor)
	if r, ok := typed.(lifecycleRemoved); ok {
		if rMajor, rMinor := r.APILifecycleRemoved(); rMajor != 0 || rMinor != 0 {
			msg += fmt.Sprintf(", unavailable in v%d.%d+", rMajor, rMinor)
		}
	}
	if r, ok := typed.(lifecycleReplacement); ok {
		if repl := r.APILifecycleReplacement(); !repl.Empty() {
			msg += fmt.Sprintf("; use %s %s", repl.GroupVersion(), repl.Kind)
		}
	}
	return errors.New(msg)
}

// kubeMajorMinor returns the numbers of kv; unparsable parts are 0.
func kubeMajorMinor(kv render.KubeVersion) (major, minor int) {
	major, _ = strconv.Atoi(kv.Major)
	minor, _ = strconv.Atoi(strings.TrimSuffix(kv.Minor, "+"))
	return major, minor
}

// atLeast reports whether major.minor is at or after wantMajor.wantMinor.
func atLeast(major, minor, wantMajor, wantMinor int) bool {
	return major > wantMajor || (major == wantMajor && minor >= wantMinor)
}
