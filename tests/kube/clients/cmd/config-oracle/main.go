// config-oracle: the docker CLI's and containers/image's own code choosing a credential from a
// docker config.json for an image, over cases on stdin, one JSON object a line:
//
//	{"config": <a docker config.json>, "image": "<image>"}
//
// and one answer a line on stdout: {"docker": [keys], "containers": [keys]}. Each list holds
// every key that consumer returned over 64 tries per key of the config: both look a
// legacy-spelled key up by ranging over a Go map, so where several keys name the same registry
// any of them may come back (each about equally often: one missed over that many tries is a
// chance below 1e-6), and the comparison accepts any of them. An empty list: no credential. The
// test gives every key a username of its own, which names the key a credential came from.
//
// docker: command.RetrieveAuthTokenFromImage, what `docker pull` and `docker push` run.
// containers: pkg/docker/config.GetCredentialsForRef, what the docker transport of skopeo,
// podman and CRI-O runs, with the config as the only auth file.
package main

import (
	"bufio"
	"encoding/base64"
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"sort"
	"strings"

	"github.com/docker/cli/cli/command"
	"github.com/docker/cli/cli/config/configfile"
	"go.podman.io/image/v5/docker/reference"
	"go.podman.io/image/v5/pkg/docker/config"
	"go.podman.io/image/v5/types"
)

const triesPerKey = 64

type kase struct {
	Config json.RawMessage `json:"config"`
	Image  string          `json:"image"`
}

type answer struct {
	Docker          []string `json:"docker"`
	Containers      []string `json:"containers"`
	DockerError     string   `json:"dockerError,omitempty"`
	ContainersError string   `json:"containersError,omitempty"`
}

func keys(set map[string]bool) []string {
	out := []string{}
	for k := range set {
		out = append(out, k)
	}
	sort.Strings(out)
	return out
}

func run(dir string, c kase) answer {
	path := filepath.Join(dir, "config.json")
	if err := os.WriteFile(path, c.Config, 0o600); err != nil {
		panic(err)
	}
	var parsed struct {
		Auths map[string]struct {
			Auth string `json:"auth"`
		} `json:"auths"`
	}
	_ = json.Unmarshal(c.Config, &parsed)
	byUser := map[string]string{}
	for key, e := range parsed.Auths {
		if raw, err := base64.StdEncoding.DecodeString(e.Auth); err == nil {
			byUser[strings.SplitN(string(raw), ":", 2)[0]] = key
		}
	}
	out := answer{Docker: []string{}, Containers: []string{}}
	tries := triesPerKey * max(1, len(parsed.Auths))

	docker := map[string]bool{}
	cf := configfile.New(path)
	if err := cf.LoadFromReader(strings.NewReader(string(c.Config))); err != nil {
		out.DockerError = err.Error()
		tries = 0
	}
	for i := 0; i < tries; i++ {
		token, err := command.RetrieveAuthTokenFromImage(cf, c.Image)
		if err != nil {
			out.DockerError = err.Error()
			break
		}
		raw, err := base64.URLEncoding.DecodeString(token)
		if err != nil {
			out.DockerError = "token: " + err.Error()
			break
		}
		var auth struct {
			Username string `json:"username"`
		}
		_ = json.Unmarshal(raw, &auth)
		if key, ok := byUser[auth.Username]; ok && auth.Username != "" {
			docker[key] = true
		}
	}
	out.Docker = keys(docker)

	containers := map[string]bool{}
	ref, err := reference.ParseNormalizedNamed(c.Image)
	if err != nil {
		out.ContainersError = err.Error()
	} else {
		sys := &types.SystemContext{AuthFilePath: path}
		for i := 0; i < tries; i++ {
			auth, err := config.GetCredentialsForRef(sys, ref)
			if err != nil {
				out.ContainersError = err.Error()
				break
			}
			if key, ok := byUser[auth.Username]; ok && auth.Username != "" {
				containers[key] = true
			}
		}
	}
	out.Containers = keys(containers)
	return out
}

func main() {
	dir, err := os.MkdirTemp("", "config-oracle")
	if err != nil {
		panic(err)
	}
	defer os.RemoveAll(dir)
	// Nothing of the user's: no ~/.docker, ~/.config/containers or runtime auth file.
	os.Setenv("HOME", dir)
	os.Setenv("XDG_RUNTIME_DIR", dir)
	os.Setenv("XDG_CONFIG_HOME", dir)
	os.Unsetenv("DOCKER_CONFIG")
	os.Unsetenv("REGISTRY_AUTH_FILE")
	in := bufio.NewScanner(os.Stdin)
	in.Buffer(make([]byte, 1<<20), 1<<24)
	w := bufio.NewWriter(os.Stdout)
	defer w.Flush()
	for in.Scan() {
		var c kase
		if err := json.Unmarshal(in.Bytes(), &c); err != nil {
			fmt.Fprintln(os.Stderr, "config-oracle: a case that is not JSON:", err)
			os.Exit(2)
		}
		b, _ := json.Marshal(run(dir, c))
		w.Write(append(b, '\n'))
	}
}
