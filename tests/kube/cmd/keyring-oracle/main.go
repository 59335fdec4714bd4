// keyring-oracle: kubelet's own keyring (k8s.io/kubernetes/pkg/credentialprovider), as the
// image manager calls it, over cases on stdin: one JSON object a line,
//
//	{"config": <a docker config.json>, "image": "<image as a pod names it>"}
//
// and one answer a line on stdout:
//
//	{"repo": "<ParseImageName's repository>", "matches": [{"key", "index"}], "error": "..."}
//
// matches are in Lookup's order; each names the config key it came from (the test gives every
// key a username of its own) and the keyring's index entry for it (keys that normalise to the
// same index entry come back in Go's map order, so a comparison groups them by index).
package main

import (
	"bufio"
	"encoding/json"
	"fmt"
	"os"

	"k8s.io/kubernetes/pkg/credentialprovider"
	"k8s.io/kubernetes/pkg/util/parsers"
	"regcred.test/kube/internal/keyring"
)

type kase struct {
	Config json.RawMessage `json:"config"`
	Image  string          `json:"image"`
}

type match struct {
	Key   string `json:"key"`
	Index string `json:"index"`
}

type answer struct {
	Repo    string  `json:"repo"`
	Matches []match `json:"matches"`
	Error   string  `json:"error,omitempty"`
}

func run(c kase) answer {
	repo, _, _, err := parsers.ParseImageName(c.Image)
	if err != nil {
		return answer{Error: err.Error(), Matches: []match{}}
	}
	var cfg credentialprovider.DockerConfigJSON
	if err := json.Unmarshal(c.Config, &cfg); err != nil {
		return answer{Repo: repo, Error: "config: " + err.Error(), Matches: []match{}}
	}
	// username -> key, and each key's index entry as Add computes it (a keyring of one key).
	byUser := map[string]string{}
	index := map[string]string{}
	for key, entry := range cfg.Auths {
		byUser[entry.Username] = key
		index[key] = keyring.IndexOf(key)
	}
	kr := credentialprovider.BasicDockerKeyring{}
	kr.Add(nil, cfg.Auths)
	found, _ := kr.Lookup(repo)
	out := answer{Repo: repo, Matches: []match{}}
	for _, f := range found {
		key := byUser[f.Username]
		out.Matches = append(out.Matches, match{Key: key, Index: index[key]})
	}
	return out
}

func main() {
	in := bufio.NewScanner(os.Stdin)
	in.Buffer(make([]byte, 1<<20), 1<<24)
	out := bufio.NewWriter(os.Stdout)
	defer out.Flush()
	for in.Scan() {
		var c kase
		if err := json.Unmarshal(in.Bytes(), &c); err != nil {
			fmt.Fprintln(os.Stderr, "keyring-oracle: a case that is not JSON:", err)
			os.Exit(2)
		}
		b, _ := json.Marshal(run(c))
		out.Write(append(b, '\n'))
	}
}
