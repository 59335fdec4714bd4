//go:build tools

// The real components the tests run, pinned by go.mod: `go build` of these packages is what
// `make kube` does.
package tools

import (
	_ "k8s.io/kubernetes/cmd/kube-apiserver"
	_ "k8s.io/kubernetes/cmd/kubectl"
)
