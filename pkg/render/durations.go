package render

import (
	"errors"
	"fmt"
	"math"
	"reflect"
	"strconv"
	"strings"
	"text/template"
	"time"
)

// Bounds of a time.Duration in seconds.
const (
	maxDurationSeconds      = math.MaxInt64 / int64(time.Second)
	minDurationSeconds      = math.MinInt64 / int64(time.Second)
	maxDurationSecondsFloat = float64(math.MaxInt64) / float64(time.Second)
	minDurationSecondsFloat = float64(math.MinInt64) / float64(time.Second)
)

// durationFuncs are Helm 4's duration helpers. Each takes a duration
// string ("1h2m"), a number of seconds (number or numeric string) or a
// time.Duration; the conversions render 0 for what they cannot read.
func durationFuncs() template.FuncMap {
	return template.FuncMap{
		"mustToDuration":       toDuration,
		"durationSeconds":      convertDuration(time.Duration.Seconds),
		"durationMilliseconds": convertDuration(time.Duration.Milliseconds),
		"durationMicroseconds": convertDuration(time.Duration.Microseconds),
		"durationNanoseconds":  convertDuration(time.Duration.Nanoseconds),
		"durationMinutes":      convertDuration(time.Duration.Minutes),
		"durationHours":        convertDuration(time.Duration.Hours),
		"durationDays":         convertDuration(func(d time.Duration) float64 { return d.Hours() / 24 }),
		"durationWeeks":        convertDuration(func(d time.Duration) float64 { return d.Hours() / 24 / 7 }),
		"durationRoundTo":      roundDuration(time.Duration.Round),
		"durationTruncateTo":   roundDuration(time.Duration.Truncate),
	}
}

// convertDuration makes a conversion that renders the zero value when its
// argument is not a duration.
func convertDuration[T int64 | float64](conv func(time.Duration) T) func(any) T {
	return func(v any) T {
		d, err := toDuration(v)
		if err != nil {
			return 0
		}
		return conv(d)
	}
}

// roundDuration makes durationRoundTo and durationTruncateTo: 0 when v is
// not a duration, v unchanged when m is not.
func roundDuration(round func(time.Duration, time.Duration) time.Duration) func(v, m any) time.Duration {
	return func(v, m any) time.Duration {
		d, err := toDuration(v)
		if err != nil {
			return 0
		}
		step, err := toDuration(m)
		if err != nil {
			return d
		}
		return round(d, step)
	}
}

// toDuration reads v as a duration; numbers are seconds.
func toDuration(v any) (time.Duration, error) {
	switch x := v.(type) {
	case time.Duration:
		return x, nil
	case nil:
		return 0, errors.New("invalid duration")
	case string:
		s := strings.TrimSpace(x)
		if s == "" {
			return 0, errors.New("empty duration")
		}
		if d, err := time.ParseDuration(s); err == nil {
			return d, nil
		}
		if f, err := strconv.ParseFloat(s, 64); err == nil {
			return secondsFloat(f)
		}
		return 0, fmt.Errorf("could not parse duration %q", x)
	}
	rv := reflect.ValueOf(v)
	switch rv.Kind() {
	case reflect.Int, reflect.Int8, reflect.Int16, reflect.Int32, reflect.Int64:
		if s := rv.Int(); s <= maxDurationSeconds && s >= minDurationSeconds {
			return time.Duration(s) * time.Second, nil
		}
		return 0, fmt.Errorf("duration seconds overflow: %d", rv.Int())
	case reflect.Uint, reflect.Uint8, reflect.Uint16, reflect.Uint32, reflect.Uint64, reflect.Uintptr:
		if s := rv.Uint(); s <= uint64(maxDurationSeconds) {
			return time.Duration(int64(s)) * time.Second, nil
		}
		return 0, fmt.Errorf("duration seconds overflow: %d", rv.Uint())
	case reflect.Float32, reflect.Float64:
		return secondsFloat(rv.Float())
	default:
		return 0, fmt.Errorf("unsupported duration type %T", v)
	}
}

func secondsFloat(s float64) (time.Duration, error) {
	if math.IsNaN(s) || math.IsInf(s, 0) {
		return 0, fmt.Errorf("invalid duration seconds: %v", s)
	}
	if s > maxDurationSecondsFloat || s < minDurationSecondsFloat {
		return 0, fmt.Errorf("duration seconds overflow: %v", s)
	}
	nanos := s * float64(time.Second)
	if nanos > float64(math.MaxInt64) || nanos < float64(math.MinInt64) {
		return 0, fmt.Errorf("duration nanoseconds overflow: %v", nanos)
	}
	return time.Duration(nanos), nil
}
