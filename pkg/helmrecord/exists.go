package helmrecord

import (
	"context"
	"fmt"
	"strconv"
	"time"

	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/labels"
	"k8s.io/client-go/metadata"
)

// Exists reports whether Helm has records of release name in namespace,
// with either driver, reading one record's metadata at most.
func Exists(ctx context.Context, meta metadata.Interface, namespace, name string) (bool, error) {
	sel := labels.Set{"owner": OwnerHelm, "name": name}.AsSelector().String()
	for _, res := range []string{"secrets", "configmaps"} {
		list, err := meta.Resource(corev1.SchemeGroupVersion.WithResource(res)).Namespace(namespace).
			List(ctx, metav1.ListOptions{LabelSelector: sel, Limit: 1})
		if err != nil {
			return false, fmt.Errorf("look for Helm's records of release %q in namespace %q: %w", name, namespace, err)
		}
		if len(list.Items) > 0 {
			return true, nil
		}
	}
	return false, nil
}

// Summary is what the labels of Helm's records tell of a release.
type Summary struct {
	Namespace, Name string
	// Version and Status are the highest revision's.
	Version int
	Status  string
	// Updated is when that revision's record was last written.
	Updated time.Time
}

// Summaries lists the releases Helm has records of in namespace ("" for
// all), with either driver, from the records' labels only.
func Summaries(ctx context.Context, meta metadata.Interface, namespace string) ([]Summary, error) {
	sel := labels.Set{"owner": OwnerHelm}.AsSelector().String()
	latest := map[ReleaseRef]*Summary{}
	var order []ReleaseRef
	for _, res := range []string{"secrets", "configmaps"} {
		list, err := meta.Resource(corev1.SchemeGroupVersion.WithResource(res)).Namespace(namespace).
			List(ctx, metav1.ListOptions{LabelSelector: sel})
		if err != nil {
			return nil, fmt.Errorf("list Helm's records: %w", err)
		}
		for _, item := range list.Items {
			l := item.Labels
			var version int
			if _, err := fmt.Sscan(l["version"], &version); err != nil || l["name"] == "" {
				continue
			}
			ref := ReleaseRef{Namespace: item.Namespace, Name: l["name"]}
			s := latest[ref]
			if s == nil {
				s = &Summary{Namespace: ref.Namespace, Name: ref.Name}
				latest[ref] = s
				order = append(order, ref)
			}
			if version > s.Version {
				s.Version, s.Status, s.Updated = version, l["status"], recordTime(l)
			}
		}
	}
	out := make([]Summary, 0, len(order))
	for _, ref := range order {
		out = append(out, *latest[ref])
	}
	return out, nil
}

// recordTime is when a record was last written, from Helm's modifiedAt or
// createdAt label (Unix seconds); zero when it has neither.
func recordTime(l map[string]string) time.Time {
	for _, key := range []string{"modifiedAt", "createdAt"} {
		if secs, err := strconv.ParseInt(l[key], 10, 64); err == nil {
			return time.Unix(secs, 0).UTC()
		}
	}
	return time.Time{}
}
