package kube

import (
	"fmt"
	"reflect"
	"strconv"
	"strings"

	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
	"sigs.k8s.io/structured-merge-diff/v6/fieldpath"
)

// managerFields is the set of fields one field manager owns in an object,
// merged over its managedFields entries (Apply and Update, of the object
// and of subresources such as scale); status subresource entries are left
// out.
type managerFields struct {
	manager string
	set     *fieldpath.Set
}

// managedSets reads the managedFields of obj, one set per manager in the
// order they appear.
func managedSets(obj *unstructured.Unstructured) ([]managerFields, error) {
	var out []managerFields
	index := map[string]int{}
	for _, e := range obj.GetManagedFields() {
		if e.Subresource == "status" || e.FieldsV1 == nil {
			continue
		}
		set, err := decodeSet(e)
		if err != nil {
			return nil, err
		}
		if i, ok := index[e.Manager]; ok {
			out[i].set = out[i].set.Union(set)
			continue
		}
		index[e.Manager] = len(out)
		out = append(out, managerFields{manager: e.Manager, set: set})
	}
	return out, nil
}

// ownedBy returns the union of the sets of manager among sets.
func ownedBy(sets []managerFields, manager string) *fieldpath.Set {
	out := &fieldpath.Set{}
	for _, s := range sets {
		if s.manager == manager {
			out = out.Union(s.set)
		}
	}
	return out
}

// topmost returns the paths of set that have no proper prefix in set: the
// roots of what a manager owns beyond another.
func topmost(set *fieldpath.Set) []fieldpath.Path {
	var out []fieldpath.Path
	set.Iterate(func(p fieldpath.Path) {
		for i := 1; i < len(p); i++ {
			if set.Has(p[:i]) {
				return
			}
		}
		out = append(out, p.Copy())
	})
	return out
}

// lookup finds the value at path p in obj (an unstructured object) and
// returns it with its JSON pointer; ok is false when it is absent.
func lookup(obj any, p fieldpath.Path) (value any, pointer string, ok bool) {
	cur := obj
	var ptr strings.Builder
	for _, pe := range p {
		next, token, found := step(cur, pe)
		if !found {
			return nil, "", false
		}
		cur = next
		ptr.WriteString("/" + escapePointer(token))
	}
	return cur, ptr.String(), true
}

// step descends one path element from cur.
func step(cur any, pe fieldpath.PathElement) (next any, token string, ok bool) {
	if pe.FieldName != nil {
		m, isMap := cur.(map[string]any)
		if !isMap {
			return nil, "", false
		}
		next, ok = m[*pe.FieldName]
		return next, *pe.FieldName, ok
	}
	list, isList := cur.([]any)
	if !isList {
		return nil, "", false
	}
	if pe.Index != nil {
		if *pe.Index < 0 || *pe.Index >= len(list) {
			return nil, "", false
		}
		return list[*pe.Index], strconv.Itoa(*pe.Index), true
	}
	for i, item := range list {
		if matches(item, pe) {
			return item, strconv.Itoa(i), true
		}
	}
	return nil, "", false
}

// matches reports whether list item is the one pe selects.
func matches(item any, pe fieldpath.PathElement) bool {
	switch {
	case pe.Key != nil:
		m, ok := item.(map[string]any)
		if !ok {
			return false
		}
		for _, f := range *pe.Key {
			if !sameScalar(m[f.Name], f.Value.Unstructured()) {
				return false
			}
		}
		return true
	case pe.Value != nil:
		return sameScalar(item, (*pe.Value).Unstructured())
	}
	return false
}

// sameScalar compares JSON scalars, whatever the integer type.
func sameScalar(a, b any) bool {
	return reflect.DeepEqual(a, b) || fmt.Sprint(a) == fmt.Sprint(b)
}

// readablePath renders p as a user reads it:
// spec.template.spec.containers[name=web].env[name=EXTRA].
func readablePath(p fieldpath.Path) string {
	var b strings.Builder
	for _, pe := range p {
		switch {
		case pe.FieldName != nil:
			if b.Len() > 0 {
				b.WriteByte('.')
			}
			b.WriteString(*pe.FieldName)
		case pe.Key != nil:
			var keys []string
			for _, f := range *pe.Key {
				keys = append(keys, f.Name+"="+fmt.Sprint(f.Value.Unstructured()))
			}
			b.WriteString("[" + strings.Join(keys, ",") + "]")
		case pe.Value != nil:
			b.WriteString("[" + fmt.Sprint((*pe.Value).Unstructured()) + "]")
		case pe.Index != nil:
			b.WriteString("[" + strconv.Itoa(*pe.Index) + "]")
		}
	}
	return b.String()
}

// readablePointer renders a JSON pointer into obj as readablePath does,
// naming list items by their name field when they have one.
func readablePointer(obj any, pointer string) string {
	var b strings.Builder
	cur := obj
	for _, raw := range strings.Split(strings.TrimPrefix(pointer, "/"), "/") {
		token := strings.NewReplacer("~1", "/", "~0", "~").Replace(raw)
		switch c := cur.(type) {
		case []any:
			i, _ := strconv.Atoi(token)
			cur = nil
			label := token
			if i >= 0 && i < len(c) {
				cur = c[i]
				if m, ok := cur.(map[string]any); ok && m["name"] != nil {
					label = fmt.Sprintf("name=%v", m["name"])
				}
			}
			b.WriteString("[" + label + "]")
		default:
			m, _ := cur.(map[string]any)
			cur = m[token]
			if b.Len() > 0 {
				b.WriteByte('.')
			}
			b.WriteString(token)
		}
	}
	return b.String()
}

// ownerOfPointer returns the manager among sets that owns the field at
// pointer in obj, or an ancestor of it, preferring the deepest; "" when
// none does.
func ownerOfPointer(obj any, sets []managerFields, pointer string) string {
	best, bestLen := "", -1
	for _, s := range sets {
		s.set.Iterate(func(p fieldpath.Path) {
			_, ptr, ok := lookup(obj, p)
			if !ok || len(ptr) <= bestLen {
				return
			}
			if ptr == pointer || strings.HasPrefix(pointer, ptr+"/") {
				best, bestLen = s.manager, len(ptr)
			}
		})
	}
	return best
}
