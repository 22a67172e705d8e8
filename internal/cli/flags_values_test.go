package cli

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
	"github.com/spf13/pflag"
)

func TestValuesFlags(t *testing.T) {
	dir := t.TempDir()
	write := func(name, content string) string {
		t.Helper()
		path := filepath.Join(dir, name)
		if err := os.WriteFile(path, []byte(content), 0o600); err != nil {
			t.Fatal(err)
		}
		return path
	}
	a := write("a.yaml", "a: 1\nb: file\n")
	b := write("b.yaml", "b: second\n")
	cert := write("cert.pem", "PEM")

	var v valuesFlags
	fs := pflag.NewFlagSet("test", pflag.ContinueOnError)
	v.AddFlags(fs)
	args := []string{
		"-f", a + "," + b, "--values", "-",
		"--set", "n=1,list={x,y}", "--set", "n=2",
		"--set-string", "s=007",
		"--set-json", `j={"k":[1]}`,
		"--set-file", "cert=" + cert,
		"--set-literal", "lit=a,b=c",
	}
	if err := fs.Parse(args); err != nil {
		t.Fatal(err)
	}
	got, err := v.userValues(strings.NewReader("stdin: true\n"))
	if err != nil {
		t.Fatal(err)
	}
	want := map[string]any{
		"a": float64(1), "b": "second", "stdin": true,
		"n": int64(2), "list": []any{"x", "y"},
		"s":    "007",
		"j":    map[string]any{"k": []any{float64(1)}},
		"cert": "PEM",
		"lit":  "a,b=c",
	}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("(-want +got)\n%s", diff)
	}
}

func TestValuesFlagsError(t *testing.T) {
	var v valuesFlags
	fs := pflag.NewFlagSet("test", pflag.ContinueOnError)
	v.AddFlags(fs)
	if err := fs.Parse([]string{"--set", "a[x]=1"}); err != nil {
		t.Fatal(err)
	}
	_, err := v.userValues(strings.NewReader(""))
	if err == nil || !strings.Contains(err.Error(), "read values: failed parsing --set data: error parsing index") {
		t.Fatalf("error = %v, want a --set parse error", err)
	}
}

func TestValuesFlagsHelp(t *testing.T) {
	var v valuesFlags
	fs := pflag.NewFlagSet("test", pflag.ContinueOnError)
	v.AddFlags(fs)
	want := map[string]string{"values": "f", "set": "", "set-string": "", "set-json": "", "set-file": "", "set-literal": ""}
	for name, short := range want {
		f := fs.Lookup(name)
		if f == nil {
			t.Fatalf("flag --%s missing", name)
		}
		if f.Shorthand != short || f.Usage == "" {
			t.Errorf("--%s: shorthand %q usage %q", name, f.Shorthand, f.Usage)
		}
	}
}
