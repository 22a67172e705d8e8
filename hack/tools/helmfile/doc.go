// Package helmfile pins helmfile, built only for the stack benchmark of
// hack/bench (berth stack apply against helmfile sync). berth never
// imports it.
package helmfile
