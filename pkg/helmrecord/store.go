package helmrecord

import (
	"cmp"
	"context"
	"errors"
	"fmt"
	"maps"
	"slices"
	"strconv"
	"strings"
	"time"

	corev1 "k8s.io/api/core/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/labels"
	"k8s.io/client-go/kubernetes"
)

// Storage drivers, as Helm's HELM_DRIVER names them.
const (
	DriverSecret    = "secret"
	DriverConfigMap = "configmap"
)

// SecretType is the type of the Secrets Helm keeps releases in.
const SecretType corev1.SecretType = "helm.sh/release.v1" //nolint:gosec // a type name, not a credential

// OwnerHelm is the owner label of Helm's records.
const OwnerHelm = "helm"

// payloadKey is the data key holding the encoded release.
const payloadKey = "release"

// systemLabels are the labels Helm sets on its records itself; the others
// are the user's.
var systemLabels = []string{"name", "owner", "status", "version", "createdAt", "modifiedAt"}

// Store reads and writes Helm's release records in one namespace (every
// namespace when it is "", for reading) with one of Helm's drivers.
type Store struct {
	kube      kubernetes.Interface
	configMap bool
	namespace string
}

// New returns the store of Helm's records in namespace with driver
// DriverSecret ("" too) or DriverConfigMap; Helm's plural spellings are
// accepted.
func New(kube kubernetes.Interface, driver, namespace string) (*Store, error) {
	switch strings.ToLower(driver) {
	case "", DriverSecret, "secrets":
		return &Store{kube: kube, namespace: namespace}, nil
	case DriverConfigMap, "configmaps":
		return &Store{kube: kube, configMap: true, namespace: namespace}, nil
	}
	return nil, fmt.Errorf("unknown Helm storage driver %q: use %s or %s", driver, DriverSecret, DriverConfigMap)
}

// Kind is the kind of object the store keeps records in.
func (s *Store) Kind() string {
	if s.configMap {
		return "ConfigMap"
	}
	return "Secret"
}

// Record is one Helm record as read: the object and its decoded release.
type Record struct {
	// Object names the record as errors do: Kind/namespace/name.
	Object string
	// Namespace and Name are the object's.
	Namespace, Name string
	// Release is the decoded revision; its Labels are the user's labels of
	// the record.
	Release *Release

	secret    *corev1.Secret
	configMap *corev1.ConfigMap
}

// ReleaseRef names a release that has Helm records.
type ReleaseRef struct {
	Namespace, Name string
}

// String returns namespace/name.
func (r ReleaseRef) String() string { return r.Namespace + "/" + r.Name }

// object is a record's object, whichever its kind.
type object struct {
	meta    metav1.ObjectMeta
	payload []byte
	secret  *corev1.Secret
	cm      *corev1.ConfigMap
}

// list lists the store's record objects matching selector.
func (s *Store) list(ctx context.Context, selector labels.Set) ([]object, error) {
	opts := metav1.ListOptions{LabelSelector: selector.AsSelector().String()}
	var out []object
	if s.configMap {
		list, err := s.kube.CoreV1().ConfigMaps(s.namespace).List(ctx, opts)
		if err != nil {
			return nil, fmt.Errorf("list Helm's ConfigMaps in %s: %w", s.where(), err)
		}
		for i := range list.Items {
			cm := &list.Items[i]
			out = append(out, object{meta: cm.ObjectMeta, payload: []byte(cm.Data[payloadKey]), cm: cm})
		}
		return out, nil
	}
	list, err := s.kube.CoreV1().Secrets(s.namespace).List(ctx, opts)
	if err != nil {
		return nil, fmt.Errorf("list Helm's Secrets in %s: %w", s.where(), err)
	}
	for i := range list.Items {
		sec := &list.Items[i]
		if sec.Type != SecretType {
			continue
		}
		out = append(out, object{meta: sec.ObjectMeta, payload: sec.Data[payloadKey], secret: sec})
	}
	return out, nil
}

func (s *Store) where() string {
	if s.namespace == "" {
		return "all namespaces"
	}
	return "namespace " + strconv.Quote(s.namespace)
}

// describe names an object as errors do.
func (s *Store) describe(namespace, name string) string {
	return s.Kind() + "/" + namespace + "/" + name
}

// Releases returns the releases that have records in the store, sorted by
// namespace and name, reading the records' labels only.
func (s *Store) Releases(ctx context.Context) ([]ReleaseRef, error) {
	objs, err := s.list(ctx, labels.Set{"owner": OwnerHelm})
	if err != nil {
		return nil, err
	}
	seen := map[ReleaseRef]bool{}
	var out []ReleaseRef
	for _, o := range objs {
		ref := ReleaseRef{Namespace: o.meta.Namespace, Name: o.meta.Labels["name"]}
		if ref.Name == "" || seen[ref] {
			continue
		}
		seen[ref] = true
		out = append(out, ref)
	}
	slices.SortFunc(out, func(a, b ReleaseRef) int {
		return cmp.Or(cmp.Compare(a.Namespace, b.Namespace), cmp.Compare(a.Name, b.Name))
	})
	return out, nil
}

// History reads and decodes every record of release name, oldest first.
// A record that does not decode, or whose release does not match its
// labels, fails the whole read with an error naming it (ErrCorrupt); a
// release without records is ErrNotFound.
func (s *Store) History(ctx context.Context, name string) ([]*Record, error) {
	if s.namespace == "" {
		return nil, errors.New("read Helm release history: no namespace given")
	}
	objs, err := s.list(ctx, labels.Set{"owner": OwnerHelm, "name": name})
	if err != nil {
		return nil, err
	}
	if len(objs) == 0 {
		return nil, fmt.Errorf("release %q in namespace %q: %w", name, s.namespace, ErrNotFound)
	}
	out := make([]*Record, 0, len(objs))
	for _, o := range objs {
		rec, err := s.decode(o, name)
		if err != nil {
			return nil, err
		}
		out = append(out, rec)
	}
	slices.SortFunc(out, func(a, b *Record) int { return cmp.Compare(a.Release.Version, b.Release.Version) })
	for i := 1; i < len(out); i++ {
		if out[i].Release.Version == out[i-1].Release.Version {
			return nil, fmt.Errorf("%s and %s: both hold revision %d: %w",
				out[i-1].Object, out[i].Object, out[i].Release.Version, ErrCorrupt)
		}
	}
	return out, nil
}

// decode reads one record object of release name.
func (s *Store) decode(o object, name string) (*Record, error) {
	desc := s.describe(o.meta.Namespace, o.meta.Name)
	rel, err := Decode(o.payload)
	if err != nil {
		return nil, fmt.Errorf("%s: read Helm release: %w", desc, err)
	}
	version, err := strconv.Atoi(o.meta.Labels["version"])
	switch {
	case err != nil:
		return nil, fmt.Errorf("%s: label version=%q is not a number: %w", desc, o.meta.Labels["version"], ErrCorrupt)
	case rel.Name != name || rel.Version != version:
		return nil, fmt.Errorf("%s: holds release %q version %d, its labels say %q version %d: %w",
			desc, rel.Name, rel.Version, name, version, ErrCorrupt)
	case rel.Info.Status == "":
		return nil, fmt.Errorf("%s: release %q version %d has no status: %w", desc, rel.Name, rel.Version, ErrCorrupt)
	}
	if rel.Namespace == "" {
		rel.Namespace = o.meta.Namespace
	}
	rel.Labels = userLabels(o.meta.Labels)
	return &Record{Object: desc, Namespace: o.meta.Namespace, Name: o.meta.Name, Release: rel, secret: o.secret, configMap: o.cm}, nil
}

// userLabels returns the labels of a record that are not Helm's own.
func userLabels(all map[string]string) map[string]string {
	var out map[string]string
	for k, v := range all {
		if slices.Contains(systemLabels, k) {
			continue
		}
		if out == nil {
			out = map[string]string{}
		}
		out[k] = v
	}
	return out
}

// recordLabels are the labels Helm puts on the record of rel.
func recordLabels(rel *Release, now time.Time) map[string]string {
	out := make(map[string]string, len(rel.Labels)+5)
	maps.Copy(out, rel.Labels)
	out["name"] = rel.Name
	out["owner"] = OwnerHelm
	out["status"] = rel.Info.Status
	out["version"] = strconv.Itoa(rel.Version)
	out["createdAt"] = strconv.FormatInt(now.Unix(), 10)
	return out
}

// Prepared is a record encoded and checked, ready to be created.
type Prepared struct {
	rel  *Release
	data string
}

// Prepare encodes rel for Create, refusing one larger than MaxRecordSize
// (a SizeError), so that callers can check every revision before writing
// any.
func Prepare(rel *Release) (*Prepared, error) {
	data, err := EncodeChecked(rel)
	if err != nil {
		return nil, err
	}
	return &Prepared{rel: rel, data: data}, nil
}

// Create writes a prepared record as Helm does. It never overwrites an
// existing record (an error wrapping the API's AlreadyExists).
func (s *Store) Create(ctx context.Context, p *Prepared, now time.Time) (*Record, error) {
	meta := metav1.ObjectMeta{
		Name:      RecordName(p.rel.Name, p.rel.Version),
		Namespace: s.namespace,
		Labels:    recordLabels(p.rel, now),
	}
	desc := s.describe(s.namespace, meta.Name)
	rec := &Record{Object: desc, Namespace: s.namespace, Name: meta.Name, Release: p.rel}
	var err error
	if s.configMap {
		rec.configMap, err = s.kube.CoreV1().ConfigMaps(s.namespace).Create(ctx,
			&corev1.ConfigMap{ObjectMeta: meta, Data: map[string]string{payloadKey: p.data}}, metav1.CreateOptions{})
	} else {
		rec.secret, err = s.kube.CoreV1().Secrets(s.namespace).Create(ctx,
			&corev1.Secret{ObjectMeta: meta, Type: SecretType, Data: map[string][]byte{payloadKey: []byte(p.data)}}, metav1.CreateOptions{})
	}
	if err != nil {
		return nil, fmt.Errorf("%s: create: %w", desc, err)
	}
	return rec, nil
}

// Delete removes a record, provided it was not changed since it was read.
// A record already gone counts as deleted.
func (s *Store) Delete(ctx context.Context, rec *Record) error {
	opts := metav1.DeleteOptions{}
	var err error
	if rec.configMap != nil {
		opts.Preconditions = &metav1.Preconditions{UID: &rec.configMap.UID, ResourceVersion: &rec.configMap.ResourceVersion}
		err = s.kube.CoreV1().ConfigMaps(rec.Namespace).Delete(ctx, rec.Name, opts)
	} else {
		if rec.secret != nil {
			opts.Preconditions = &metav1.Preconditions{UID: &rec.secret.UID, ResourceVersion: &rec.secret.ResourceVersion}
		}
		err = s.kube.CoreV1().Secrets(rec.Namespace).Delete(ctx, rec.Name, opts)
	}
	if err != nil && !apierrors.IsNotFound(err) {
		return fmt.Errorf("%s: delete: %w", rec.Object, err)
	}
	return nil
}

// Restore creates a deleted record again as it was read, for undoing a
// migration that failed half way.
func (s *Store) Restore(ctx context.Context, rec *Record) error {
	var err error
	switch {
	case rec.configMap != nil:
		cm := rec.configMap.DeepCopy()
		cm.ObjectMeta = restorable(cm.ObjectMeta)
		_, err = s.kube.CoreV1().ConfigMaps(rec.Namespace).Create(ctx, cm, metav1.CreateOptions{})
	case rec.secret != nil:
		sec := rec.secret.DeepCopy()
		sec.ObjectMeta = restorable(sec.ObjectMeta)
		_, err = s.kube.CoreV1().Secrets(rec.Namespace).Create(ctx, sec, metav1.CreateOptions{})
	default:
		return fmt.Errorf("%s: restore: the record was not read", rec.Object)
	}
	if err != nil {
		return fmt.Errorf("%s: restore: %w", rec.Object, err)
	}
	return nil
}

// restorable keeps what a create may set of a record's metadata.
func restorable(m metav1.ObjectMeta) metav1.ObjectMeta {
	return metav1.ObjectMeta{Name: m.Name, Namespace: m.Namespace, Labels: m.Labels, Annotations: m.Annotations}
}

// Size is the encoded record's length in bytes.
func (p *Prepared) Size() int { return len(p.data) }
