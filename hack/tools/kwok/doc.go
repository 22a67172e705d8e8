// Package kwok pins kwok, which fakes nodes and pods for berth's local cluster.
// hack/tools/build.sh builds it and takes its stage files from this module.
package kwok
