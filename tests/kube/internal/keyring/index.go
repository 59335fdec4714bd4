// Package keyring holds what the oracles share about kubelet's keyring.
package keyring

import (
	"net/url"
	"strings"
)

// IndexOf is the index entry BasicDockerKeyring.Add files `key` under (keyring.go, Add: the
// host, and the path without a leading /v1/ or /v2/). The oracles use it only to group matches
// that come back in Go's map order; which keys match, and in what order the groups come, is
// kubelet's own answer.
func IndexOf(key string) string {
	value := key
	if !strings.HasPrefix(value, "https://") && !strings.HasPrefix(value, "http://") {
		value = "https://" + value
	}
	parsed, err := url.Parse(value)
	if err != nil {
		return ""
	}
	path := parsed.Path
	if strings.HasPrefix(path, "/v2/") || strings.HasPrefix(path, "/v1/") {
		path = path[3:]
	}
	if len(path) > 0 && path != "/" {
		return parsed.Host + path
	}
	return parsed.Host
}
