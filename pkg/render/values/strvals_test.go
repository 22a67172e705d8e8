package values

import (
	"errors"
	"fmt"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
)

type (
	m = map[string]any
	l = []any
)

func TestParseSet(t *testing.T) {
	tests := []struct {
		in      string
		want    map[string]any
		wantErr string
	}{
		{in: "name=value", want: m{"name": "value"}},
		{in: "a=1,b=2", want: m{"a": int64(1), "b": int64(2)}},
		{in: "big=9223372036854775807", want: m{"big": int64(9223372036854775807)}},
		{in: "over=9223372036854775808", want: m{"over": "9223372036854775808"}},
		{in: "neg=-5,plus=+5", want: m{"neg": int64(-5), "plus": int64(5)}},
		{in: "zero=0,lead=0123,float=1.5,exp=1e3", want: m{"zero": int64(0), "lead": "0123", "float": "1.5", "exp": "1e3"}},
		{in: "t=true,f=FALSE,n=null,N=Null", want: m{"t": true, "f": false, "n": nil, "N": nil}},
		{in: "yes=yes,empty=", want: m{"yes": "yes", "empty": ""}},
		{in: "a.b.c=x", want: m{"a": m{"b": m{"c": "x"}}}},
		{in: "a.b=1,a.c=2", want: m{"a": m{"b": int64(1), "c": int64(2)}}},
		{in: `esc\.dot=x`, want: m{"esc.dot": "x"}},
		{in: `v=a\,b`, want: m{"v": "a,b"}},
		{in: `v=a\\b`, want: m{"v": `a\b`}},
		{in: `k\=x=1`, want: m{"k=x": int64(1)}},
		{in: "v=a=b", want: m{"v": "a=b"}},
		{in: "list={a,b,c}", want: m{"list": l{"a", "b", "c"}}},
		{in: "list={1,true,null}", want: m{"list": l{int64(1), true, nil}}},
		{in: "list={}", want: m{"list": l{""}}},
		{in: "list={a,b},x=1", want: m{"list": l{"a", "b"}, "x": int64(1)}},
		{in: `list={a\,b,c}`, want: m{"list": l{"a,b", "c"}}},
		{in: "a[0]=x", want: m{"a": l{"x"}}},
		{in: "a[2]=x", want: m{"a": l{nil, nil, "x"}}},
		{in: "a[0]=x,a[1]=y", want: m{"a": l{"x", "y"}}},
		{in: "a[1]=y,a[0]=x", want: m{"a": l{"x", "y"}}},
		{in: "a[0]=", want: m{"a": l{""}}},
		{in: "a[0]={x,y}", want: m{"a": l{l{"x", "y"}}}},
		{in: "a[0].b=1,a[0].c=2", want: m{"a": l{m{"b": int64(1), "c": int64(2)}}}},
		{in: "a[1].b=1", want: m{"a": l{nil, m{"b": int64(1)}}}},
		{in: "a[0][1]=x", want: m{"a": l{l{nil, "x"}}}},
		{in: "a[0][0]=x,a[0][1]=y", want: m{"a": l{l{"x", "y"}}}},
		{in: "a.b[0].c[1]=z", want: m{"a": m{"b": l{m{"c": l{nil, "z"}}}}}},
		{in: "a[0]", want: m{"a": l{}}},
		{in: "a[1", want: m{}},
		{in: "", want: m{}},
		{in: "name", wantErr: `key "name" has no value`},
		{in: "name,", wantErr: `key "name" has no value (cannot end with ,)`},
		{in: "a=1,b", wantErr: `key "b" has no value`},
		{in: "a.", want: m{}},
		{in: "a.=1", wantErr: `key map "a" has no value`},
		{in: "list={a,b", wantErr: "list must terminate with '}'"},
		{in: "a[-1]=x", wantErr: "negative -1 index not allowed"},
		{in: "a[x]=1", wantErr: "error parsing index"},
		{in: "a[65537]=x", wantErr: "index of 65537 is greater than maximum supported index of 65536"},
		{in: "a[0]b=x", wantErr: `unexpected data at end of array index: ['b']`},
		{in: "a=1,a.b=2", wantErr: "unable to parse key: interface conversion: interface {} is int64, not map[string]interface {}"},
		{in: "a=null,a.b=2", wantErr: "unable to parse key: interface conversion: interface {} is nil, not map[string]interface {}"},
		{in: "a=1,a[0]=2", wantErr: "unable to parse key: interface conversion: interface {} is int64, not []interface {}"},
		{in: "a[0]=1,a[0][1]=2", wantErr: "unable to parse key: interface conversion: interface {} is int64, not []interface {}"},
		{in: strings.Repeat("a.", MaxNestedNameLevel+1) + "a=1", wantErr: "nested level is greater than maximum"},
	}
	for _, tt := range tests {
		t.Run(tt.in, func(t *testing.T) {
			got := map[string]any{}
			err := ParseSet(tt.in, got)
			checkParse(t, got, err, tt.want, tt.wantErr)
		})
	}
}

func TestParseSetMaxIndexAccepted(t *testing.T) {
	got := map[string]any{}
	if err := ParseSet(fmt.Sprintf("a[%d]=x", MaxIndex), got); err != nil {
		t.Fatalf("ParseSet at MaxIndex: %v", err)
	}
	list := got["a"].([]any)
	if len(list) != MaxIndex+1 || list[MaxIndex] != "x" {
		t.Errorf("got list of %d, last %v; want %d ending in x", len(list), list[len(list)-1], MaxIndex+1)
	}
}

func TestParseSetIntoExisting(t *testing.T) {
	dest := m{"a": m{"keep": "k", "b": "old"}, "list": l{"x", "y"}}
	if err := ParseSet("a.b=new,list[1]=z,c=3", dest); err != nil {
		t.Fatal(err)
	}
	want := m{"a": m{"keep": "k", "b": "new"}, "list": l{"x", "z"}, "c": int64(3)}
	if diff := cmp.Diff(want, dest); diff != "" {
		t.Errorf("(-want +got)\n%s", diff)
	}
}

func TestParseSetString(t *testing.T) {
	tests := []struct {
		in   string
		want map[string]any
	}{
		{in: "a=1,b=true,c=null,d=0", want: m{"a": "1", "b": "true", "c": "null", "d": "0"}},
		{in: "list={1,2}", want: m{"list": l{"1", "2"}}},
		{in: "a[0].b=07", want: m{"a": l{m{"b": "07"}}}},
		{in: "a=", want: m{"a": ""}},
	}
	for _, tt := range tests {
		t.Run(tt.in, func(t *testing.T) {
			got := map[string]any{}
			checkParse(t, got, ParseSetString(tt.in, got), tt.want, "")
		})
	}
}

func TestParseSetJSON(t *testing.T) {
	tests := []struct {
		in      string
		want    map[string]any
		wantErr string
	}{
		{in: `a=1`, want: m{"a": float64(1)}},
		{in: `a="x",b=true`, want: m{"a": "x", "b": true}},
		{in: `a={"b":[1,"c",null]}`, want: m{"a": m{"b": l{float64(1), "c", nil}}}},
		// Blanks after a value are skipped up to the comma only.
		{in: `a=[1,2] ,b={"c":"d,e"}`, want: m{"a": l{float64(1), float64(2)}, "b": m{"c": "d,e"}}},
		{in: `a=1, b=2`, want: m{"a": float64(1), " b": float64(2)}},
		{in: `a=`, want: m{"a": nil}},
		{in: `a=  ,b=null`, want: m{"a": nil, "b": nil}},
		{in: `x.y[1]={"z":1}`, want: m{"x": m{"y": l{nil, m{"z": float64(1)}}}}},
		{in: `x[0]=`, want: m{"x": l{nil}}},
		{in: `a=nope`, wantErr: "invalid character"},
	}
	for _, tt := range tests {
		t.Run(tt.in, func(t *testing.T) {
			got := map[string]any{}
			checkParse(t, got, ParseSetJSON(tt.in, got), tt.want, tt.wantErr)
		})
	}
}

func TestParseSetFile(t *testing.T) {
	files := map[string]string{"one.txt": "first\n", "two.txt": "second"}
	readFile := func(path string) ([]byte, error) {
		data, ok := files[path]
		if !ok {
			return nil, errors.New("open " + path + ": no such file")
		}
		return []byte(data), nil
	}
	tests := []struct {
		in      string
		want    map[string]any
		wantErr string
	}{
		{in: "a=one.txt", want: m{"a": "first\n"}},
		{in: "a.b=one.txt,c=two.txt", want: m{"a": m{"b": "first\n"}, "c": "second"}},
		{in: "list={one.txt,two.txt}", want: m{"list": l{"first\n", "second"}}},
		{in: "a[1]=two.txt", want: m{"a": l{nil, "second"}}},
		{in: "a=missing.txt", wantErr: "open missing.txt: no such file"},
	}
	for _, tt := range tests {
		t.Run(tt.in, func(t *testing.T) {
			got := map[string]any{}
			checkParse(t, got, ParseSetFile(tt.in, got, readFile), tt.want, tt.wantErr)
		})
	}
}

func TestParseSetLiteral(t *testing.T) {
	tests := []struct {
		in      string
		want    map[string]any
		wantErr string
	}{
		{in: "a=1", want: m{"a": "1"}},
		{in: "a=x,y=z", want: m{"a": "x,y=z"}},
		{in: `a={b,c}`, want: m{"a": "{b,c}"}},
		{in: `a=x\,y`, want: m{"a": `x\,y`}},
		{in: "a.b=true", want: m{"a": m{"b": "true"}}},
		{in: "a[1]=null", want: m{"a": l{nil, "null"}}},
		{in: "a[0].b=c=d", want: m{"a": l{m{"b": "c=d"}}}},
		{in: "a[0][1]=v", want: m{"a": l{l{nil, "v"}}}},
		{in: "a=", want: m{"a": ""}},
		{in: "a", wantErr: `key "a" has no value`},
		{in: "a.", want: m{}},
		{in: "a.=1", wantErr: `key map "a" has no value`},
		{in: "a[0]x=1", wantErr: "unexpected data at end of array index"},
		{in: "a[-2]=1", wantErr: "negative -2 index not allowed"},
	}
	for _, tt := range tests {
		t.Run(tt.in, func(t *testing.T) {
			got := map[string]any{}
			checkParse(t, got, ParseSetLiteral(tt.in, got), tt.want, tt.wantErr)
		})
	}
}

func checkParse(t *testing.T, got map[string]any, err error, want map[string]any, wantErr string) {
	t.Helper()
	if wantErr != "" {
		if err == nil || !strings.Contains(err.Error(), wantErr) {
			t.Fatalf("error = %v, want one containing %q", err, wantErr)
		}
		return
	}
	if err != nil {
		t.Fatalf("unexpected error: %v", err)
	}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("(-want +got)\n%s", diff)
	}
}
