package oci

import (
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
)

const testDigest = "sha256:2c26b46b68ffc68ff99b453c1d30413413422d706483bfa0f98a5e886266e7ae"

func TestParseReference(t *testing.T) {
	tests := []struct {
		in      string
		want    Reference
		wantStr string
	}{
		{"oci://ghcr.io/org/app", Reference{Registry: "ghcr.io", Repository: "org/app"}, "oci://ghcr.io/org/app"},
		{"oci://127.0.0.1:5000/charts/app:1.2.3", Reference{Registry: "127.0.0.1:5000", Repository: "charts/app", Tag: "1.2.3"}, ""},
		{"oci://r.io/app:1.2.3+build.1", Reference{Registry: "r.io", Repository: "app", Tag: "1.2.3_build.1"}, "oci://r.io/app:1.2.3_build.1"},
		{"oci://r.io/a/b/app@" + testDigest, Reference{Registry: "r.io", Repository: "a/b/app", Digest: testDigest}, ""},
		{"oci://r.io/app:1.0.0@" + testDigest, Reference{Registry: "r.io", Repository: "app", Tag: "1.0.0", Digest: testDigest}, ""},
		{"oci://localhost:5000/app", Reference{Registry: "localhost:5000", Repository: "app"}, ""},
	}
	for _, tt := range tests {
		t.Run(tt.in, func(t *testing.T) {
			got, err := ParseReference(tt.in)
			if err != nil {
				t.Fatal(err)
			}
			if diff := cmp.Diff(tt.want, got); diff != "" {
				t.Errorf("(-want +got):\n%s", diff)
			}
			wantStr := tt.wantStr
			if wantStr == "" {
				wantStr = tt.in
			}
			if got.String() != wantStr {
				t.Errorf("String() = %q, want %q", got.String(), wantStr)
			}
		})
	}
}

func TestParseReferenceErrors(t *testing.T) {
	tests := []struct{ in, wantErr string }{
		{"ghcr.io/org/app", "must start with oci://"},
		{"oci://ghcr.io", "want oci://HOST/PATH"},
		{"oci://ghcr.io/", "want oci://HOST/PATH"},
		{"oci://ghcr.io/App", "invalid repository"},
		{"oci://ghcr.io/app:bad tag", "invalid reference"},
		{"oci://ghcr.io/app@sha256:nothex", "invalid digest"},
	}
	for _, tt := range tests {
		t.Run(tt.in, func(t *testing.T) {
			_, err := ParseReference(tt.in)
			if err == nil || !strings.Contains(err.Error(), tt.wantErr) {
				t.Fatalf("error = %v, want it to contain %q", err, tt.wantErr)
			}
		})
	}
}

func TestParseHost(t *testing.T) {
	tests := []struct{ in, want, wantErr string }{
		{"ghcr.io", "ghcr.io", ""},
		{"oci://127.0.0.1:5000", "127.0.0.1:5000", ""},
		{"oci://r.io/", "r.io", ""},
		{"r.io/charts", "", "without a path"},
	}
	for _, tt := range tests {
		t.Run(tt.in, func(t *testing.T) {
			got, err := ParseHost(tt.in)
			if tt.wantErr != "" {
				if err == nil || !strings.Contains(err.Error(), tt.wantErr) {
					t.Fatalf("error = %v, want it to contain %q", err, tt.wantErr)
				}
				return
			}
			if err != nil || got != tt.want {
				t.Fatalf("ParseHost = %q, %v; want %q", got, err, tt.want)
			}
		})
	}
}

func TestTagVersion(t *testing.T) {
	for _, tt := range []struct{ version, tag string }{
		{"1.0.0", "1.0.0"}, {"1.0.0+build.1", "1.0.0_build.1"}, {"1.0.0-rc.1+a+b", "1.0.0-rc.1_a_b"},
	} {
		if got := TagFromVersion(tt.version); got != tt.tag {
			t.Errorf("TagFromVersion(%q) = %q, want %q", tt.version, got, tt.tag)
		}
		if got := VersionFromTag(tt.tag); got != tt.version {
			t.Errorf("VersionFromTag(%q) = %q, want %q", tt.tag, got, tt.version)
		}
	}
}

// FuzzParseReference checks that whatever parses prints back to a
// reference that parses to the same value.
func FuzzParseReference(f *testing.F) {
	for _, s := range []string{"oci://r.io/app", "oci://127.0.0.1:5000/a/b:1.0.0+x", "oci://r.io/app@" + testDigest, "oci://r.io/app:t@" + testDigest} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		ref, err := ParseReference(s)
		if err != nil {
			return
		}
		again, err := ParseReference(ref.String())
		if err != nil {
			t.Fatalf("ParseReference(%q) = %+v, whose String %q does not parse: %v", s, ref, ref.String(), err)
		}
		if again != ref {
			t.Fatalf("round trip of %q: %+v != %+v", s, again, ref)
		}
	})
}
