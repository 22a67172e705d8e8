package stack

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"slices"

	corev1 "k8s.io/api/core/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/client-go/kubernetes"
)

// KindInventory is the kind of the inventory document.
const KindInventory = "StackInventory"

// inventoryKey is the ConfigMap key holding the inventory document.
const inventoryKey = "inventory.json"

// Labels of the inventory ConfigMap.
const (
	LabelStack       = "berth.sh/stack"
	LabelEnvironment = "berth.sh/stack-environment"
	labelManagedBy   = "app.kubernetes.io/managed-by"
)

// ErrInventoryConflict means another client changed the inventory between
// our read and our write.
var ErrInventoryConflict = errors.New("the stack's inventory changed meanwhile")

// Inventory is what a stack holds in one environment, kept in the
// environment's cluster: the releases its applies deployed, with the
// digests of what they deployed. A release the stack file no longer has is
// pruned from it.
type Inventory struct {
	APIVersion  string `json:"apiVersion"`
	Kind        string `json:"kind"`
	Stack       string `json:"stack"`
	Environment string `json:"environment,omitempty"`
	// Releases are sorted by name.
	Releases []InventoryRelease `json:"releases"`

	// resourceVersion is the ConfigMap's, "" when there is none yet.
	resourceVersion string
}

// InventoryRelease is one release a stack holds.
type InventoryRelease struct {
	Name      string `json:"name"`
	Namespace string `json:"namespace"`
	// Chart, Version and ChartDigest are the chart last applied.
	Chart       string `json:"chart,omitempty"`
	Version     string `json:"version,omitempty"`
	ChartDigest string `json:"chartDigest,omitempty"`
	// ValuesDigest is the digest of the user values last applied.
	ValuesDigest string `json:"valuesDigest,omitempty"`
	// DeployDigest is the digest of what the revision deployed: chart
	// digest, values and rendered manifest and hooks. "" when the last
	// apply of the release did not succeed.
	DeployDigest string `json:"deployDigest,omitempty"`
	// Revision is the release's revision that apply recorded, 0 before the
	// first one.
	Revision int `json:"revision"`
	// Keep protects the release from prune and destroy.
	Keep bool `json:"keep,omitempty"`
	// Needs are the releases it needed, for the order of prune.
	Needs []string `json:"needs,omitempty"`
}

// ResourceVersion is the version of the inventory read, "" when there was
// none.
func (inv *Inventory) ResourceVersion() string { return inv.resourceVersion }

// Release returns the entry of release name, nil if none.
func (inv *Inventory) Release(name string) *InventoryRelease {
	for i := range inv.Releases {
		if inv.Releases[i].Name == name {
			return &inv.Releases[i]
		}
	}
	return nil
}

// Set adds or replaces the entry of r.Name.
func (inv *Inventory) Set(r InventoryRelease) {
	if e := inv.Release(r.Name); e != nil {
		*e = r
		return
	}
	inv.Releases = append(inv.Releases, r)
	slices.SortFunc(inv.Releases, func(a, b InventoryRelease) int { return cmpString(a.Name, b.Name) })
}

// Remove drops the entry of release name.
func (inv *Inventory) Remove(name string) {
	inv.Releases = slices.DeleteFunc(inv.Releases, func(r InventoryRelease) bool { return r.Name == name })
}

func cmpString(a, b string) int {
	switch {
	case a < b:
		return -1
	case a > b:
		return 1
	}
	return 0
}

// InventoryStore reads and writes the inventory of one stack in one
// environment: a ConfigMap named berth-stack.STACK[.ENV] in the
// environment's namespace.
type InventoryStore struct {
	Client      kubernetes.Interface
	Namespace   string
	Stack       string
	Environment string
}

// Name is the inventory ConfigMap's name.
func (s *InventoryStore) Name() string {
	if s.Environment == "" {
		return "berth-stack." + s.Stack
	}
	return "berth-stack." + s.Stack + "." + s.Environment
}

// Ref names the inventory for messages: ConfigMap/NAMESPACE/NAME.
func (s *InventoryStore) Ref() string { return "ConfigMap/" + s.Namespace + "/" + s.Name() }

// Get reads the inventory; an empty one (no resourceVersion) when there is
// none yet.
func (s *InventoryStore) Get(ctx context.Context) (*Inventory, error) {
	cm, err := s.Client.CoreV1().ConfigMaps(s.Namespace).Get(ctx, s.Name(), metav1.GetOptions{})
	if apierrors.IsNotFound(err) {
		return &Inventory{APIVersion: APIVersion, Kind: KindInventory, Stack: s.Stack, Environment: s.Environment}, nil
	}
	if err != nil {
		return nil, fmt.Errorf("read the stack's inventory %s: %w", s.Ref(), err)
	}
	var inv Inventory
	if err := json.Unmarshal([]byte(cm.Data[inventoryKey]), &inv); err != nil {
		return nil, fmt.Errorf("read the stack's inventory %s: %s: %w", s.Ref(), inventoryKey, err)
	}
	if inv.Kind != KindInventory || inv.Stack != s.Stack {
		return nil, fmt.Errorf("%s holds kind %q of stack %q, not the inventory of stack %q", s.Ref(), inv.Kind, inv.Stack, s.Stack)
	}
	inv.resourceVersion = cm.ResourceVersion
	return &inv, nil
}

// Put writes inv in one request: it creates the ConfigMap when inv was
// read empty, otherwise updates it only if it still has the
// resourceVersion inv was read with (ErrInventoryConflict if not). On
// success inv has the new resourceVersion.
func (s *InventoryStore) Put(ctx context.Context, inv *Inventory) error {
	data, err := json.MarshalIndent(inv, "", "  ")
	if err != nil {
		return fmt.Errorf("encode the stack's inventory: %w", err)
	}
	cm := &corev1.ConfigMap{
		ObjectMeta: metav1.ObjectMeta{
			Name: s.Name(), Namespace: s.Namespace, ResourceVersion: inv.resourceVersion,
			Labels: map[string]string{labelManagedBy: "berth", LabelStack: s.Stack, LabelEnvironment: s.Environment},
		},
		Data: map[string]string{inventoryKey: string(data) + "\n"},
	}
	cms := s.Client.CoreV1().ConfigMaps(s.Namespace)
	var out *corev1.ConfigMap
	if inv.resourceVersion == "" {
		out, err = cms.Create(ctx, cm, metav1.CreateOptions{FieldManager: "berth"})
		if apierrors.IsNotFound(err) {
			// The namespace is not there yet (every release of the
			// environment lives elsewhere): create it, unowned.
			if err = s.createNamespace(ctx); err == nil {
				out, err = cms.Create(ctx, cm, metav1.CreateOptions{FieldManager: "berth"})
			}
		}
	} else {
		out, err = cms.Update(ctx, cm, metav1.UpdateOptions{FieldManager: "berth"})
	}
	switch {
	case apierrors.IsConflict(err), apierrors.IsAlreadyExists(err):
		return fmt.Errorf("write %s: %w", s.Ref(), ErrInventoryConflict)
	case err != nil:
		return fmt.Errorf("write the stack's inventory %s: %w", s.Ref(), err)
	}
	inv.resourceVersion = out.ResourceVersion
	return nil
}

func (s *InventoryStore) createNamespace(ctx context.Context) error {
	ns := &corev1.Namespace{ObjectMeta: metav1.ObjectMeta{Name: s.Namespace}}
	_, err := s.Client.CoreV1().Namespaces().Create(ctx, ns, metav1.CreateOptions{FieldManager: "berth"})
	if err != nil && !apierrors.IsAlreadyExists(err) {
		return fmt.Errorf("create namespace %q for the stack's inventory: %w", s.Namespace, err)
	}
	return nil
}

// Update reads the inventory, applies change and writes it, reading again
// and re-applying change when another client wrote meanwhile (up to five
// times).
func (s *InventoryStore) Update(ctx context.Context, change func(*Inventory)) (*Inventory, error) {
	var err error
	for range 5 {
		var inv *Inventory
		if inv, err = s.Get(ctx); err != nil {
			return nil, err
		}
		change(inv)
		if err = s.Put(ctx, inv); err == nil {
			return inv, nil
		}
		if !errors.Is(err, ErrInventoryConflict) {
			return nil, err
		}
	}
	return nil, err
}

// Delete removes the inventory; gone already is no error.
func (s *InventoryStore) Delete(ctx context.Context) error {
	err := s.Client.CoreV1().ConfigMaps(s.Namespace).Delete(ctx, s.Name(), metav1.DeleteOptions{})
	if err != nil && !apierrors.IsNotFound(err) {
		return fmt.Errorf("delete the stack's inventory %s: %w", s.Ref(), err)
	}
	return nil
}
