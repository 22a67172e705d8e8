package plainyaml

import (
	"strconv"
	"strings"
	"time"
)

// resolvePlain returns the value of plain scalar s as go-yaml v2 resolves
// an untagged plain scalar decoded into an interface, converted as
// encoding/json would decode its JSON form: a string, a bool, nil or a
// float64. ok is false for values JSON cannot carry (NaN, infinities),
// which sigs.k8s.io/yaml rejects.
func resolvePlain(s string) (v any, ok bool) {
	if s == "" {
		return nil, true
	}
	switch c := s[0]; {
	case c == '+' || c == '-' || (c >= '0' && c <= '9'):
		if v, known, ok := resolveWord(s); known {
			return v, ok
		}
		return resolveNumber(s), true
	case c == '.':
		if v, known, ok := resolveWord(s); known {
			return v, ok
		}
		if f, err := strconv.ParseFloat(s, 64); err == nil {
			return f, true
		}
		return s, true
	case strings.IndexByte("yYnNtTfFoO~", c) >= 0:
		if v, known, ok := resolveWord(s); known {
			return v, ok
		}
	}
	return s, true
}

// resolvesToItself reports whether plain scalar s resolves to the string s.
func resolvesToItself(s string) bool {
	if s == "" {
		return false
	}
	switch c := s[0]; {
	case strings.IndexByte("yYnNtTfFoO~", c) >= 0:
		_, known, _ := resolveWord(s)
		return !known
	case c == '+' || c == '-' || c == '.' || (c >= '0' && c <= '9'):
		v, ok := resolvePlain(s)
		str, isString := v.(string)
		return ok && isString && str == s
	}
	return true
}

// jsonable reports whether plain scalar s resolves to a value JSON can
// carry, as resolvePlain does, without building the value.
func jsonable(s string) bool {
	if s == "" || strings.IndexByte(".+-", s[0]) < 0 {
		return true
	}
	_, _, ok := resolveWord(s)
	return ok
}

// resolveWord looks s up among the words YAML 1.1 gives a meaning to.
// known is false for any other word; ok is false for a word JSON cannot
// carry.
func resolveWord(s string) (v any, known, ok bool) {
	switch s {
	case "y", "Y", "yes", "Yes", "YES", "true", "True", "TRUE", "on", "On", "ON":
		return true, true, true
	case "n", "N", "no", "No", "NO", "false", "False", "FALSE", "off", "Off", "OFF":
		return false, true, true
	case "~", "null", "Null", "NULL":
		return nil, true, true
	case ".nan", ".NaN", ".NAN", ".inf", ".Inf", ".INF", "+.inf", "+.Inf", "+.INF",
		"-.inf", "-.Inf", "-.INF":
		return nil, true, false
	}
	return nil, false, true
}

// resolveNumber resolves a plain scalar starting with a sign or a digit, in
// go-yaml v2's order: a timestamp (kept as its text), an integer, an
// unsigned integer, a YAML float, a binary integer; otherwise the text.
func resolveNumber(s string) any {
	if isTimestamp(s) {
		return s
	}
	plain := strings.ReplaceAll(s, "_", "")
	if i, err := strconv.ParseInt(plain, 0, 64); err == nil {
		return float64(i)
	}
	if u, err := strconv.ParseUint(plain, 0, 64); err == nil {
		return float64(u)
	}
	if isYAMLFloat(plain) {
		if f, err := strconv.ParseFloat(plain, 64); err == nil {
			return f
		}
	}
	if rest, ok := strings.CutPrefix(plain, "0b"); ok {
		if i, err := strconv.ParseInt(rest, 2, 64); err == nil {
			return float64(i)
		}
		if u, err := strconv.ParseUint(rest, 2, 64); err == nil {
			return float64(u)
		}
	} else if rest, ok := strings.CutPrefix(plain, "-0b"); ok {
		if i, err := strconv.ParseInt("-"+rest, 2, 64); err == nil {
			return float64(i)
		}
	}
	return s
}

// timestampFormats are the layouts go-yaml v2 reads timestamps with.
var timestampFormats = []string{
	"2006-1-2T15:4:5.999999999Z07:00",
	"2006-1-2t15:4:5.999999999Z07:00",
	"2006-1-2 15:4:5.999999999",
	"2006-1-2",
}

// isTimestamp reports whether go-yaml v2 takes s for a timestamp: four
// digits and a dash, then one of its layouts.
func isTimestamp(s string) bool {
	if len(s) < 5 || s[4] != '-' {
		return false
	}
	for i := range 4 {
		if s[i] < '0' || s[i] > '9' {
			return false
		}
	}
	for _, layout := range timestampFormats {
		if _, err := time.Parse(layout, s); err == nil {
			return true
		}
	}
	return false
}

// isYAMLFloat reports whether s matches go-yaml v2's float syntax,
// ^[-+]?(\.[0-9]+|[0-9]+(\.[0-9]*)?)([eE][-+]?[0-9]+)?$.
func isYAMLFloat(s string) bool {
	i := 0
	if i < len(s) && (s[i] == '+' || s[i] == '-') {
		i++
	}
	digits := func() int {
		start := i
		for i < len(s) && s[i] >= '0' && s[i] <= '9' {
			i++
		}
		return i - start
	}
	if i < len(s) && s[i] == '.' {
		i++
		if digits() == 0 {
			return false
		}
	} else {
		if digits() == 0 {
			return false
		}
		if i < len(s) && s[i] == '.' {
			i++
			digits()
		}
	}
	if i < len(s) && (s[i] == 'e' || s[i] == 'E') {
		i++
		if i < len(s) && (s[i] == '+' || s[i] == '-') {
			i++
		}
		if digits() == 0 {
			return false
		}
	}
	return i == len(s)
}
