// provider-oracle: kubelet's exec credential provider client (k8s.io/kubernetes/pkg/
// credentialprovider/plugin), registered from a CredentialProviderConfig exactly as kubelet
// registers it, and asked for images as kubelet's image manager asks: a keyring per pod, then
// Lookup of the image's repository. kubelet encodes the request, runs the plugin, checks the
// response's apiVersion, decodes and validates it, caches it under its cacheKeyType for its
// cacheDuration, and puts its keys through its own keyring.
//
//	provider-oracle --config FILE --bin-dir DIR --calls FILE
//
// Cases on stdin, one JSON object a line:
//
//	{"image": "...", "want": <docker config.json>, "namespace", "pod", "serviceAccount": "..."}
//
// and one answer a line on stdout:
//
//	{"repo", "allowed", "want": [{"user","index"}], "got": [{"user","index"}], "execs": N,
//	 "error"}
//
// want is kubelet's keyring over the case's config as if kubelet read that config itself; got
// is what kubelet got through the plugin; execs is how many times kubelet ran the plugin for the
// case (the lines the plugin's wrapper added to the calls file). Each user names a key: the
// test gives every key a username of its own. In token mode kubelet asks the getter below for
// allowed says whether the config's matchImages let kubelet run the plugin for the image (the
// test that isImageAllowed makes, with the config's own globs). In token mode kubelet asks the
// getter below for the pod's service account token: a bound token's claims, signed with a key of the process's
// own (the provider reads the claims; it does not verify the signature).
package main

import (
	"bufio"
	"crypto"
	"crypto/rand"
	"crypto/rsa"
	"crypto/sha256"
	"crypto/x509"
	"encoding/base64"
	"encoding/json"
	"encoding/pem"
	"flag"
	"fmt"
	"os"
	"strings"
	"time"

	authenticationv1 "k8s.io/api/authentication/v1"
	v1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/types"
	"k8s.io/kubernetes/pkg/credentialprovider"
	"k8s.io/kubernetes/pkg/credentialprovider/plugin"
	"k8s.io/kubernetes/pkg/util/parsers"
	"regcred.test/kube/internal/keyring"
	"sigs.k8s.io/yaml"
)

type kase struct {
	Image          string          `json:"image"`
	Want           json.RawMessage `json:"want"`
	Namespace      string          `json:"namespace"`
	Pod            string          `json:"pod"`
	ServiceAccount string          `json:"serviceAccount"`
}

type match struct {
	User  string `json:"user"`
	Index string `json:"index"`
}

type answer struct {
	Repo    string  `json:"repo"`
	Allowed bool    `json:"allowed"`
	Want    []match `json:"want"`
	Got     []match `json:"got"`
	Execs   int     `json:"execs"`
	Error   string  `json:"error,omitempty"`
}

var signer *rsa.PrivateKey
var signerKid = "provider-oracle"

// The matchImages of the config's providers.
var matchImages []string

func b64(v any) string {
	b, _ := json.Marshal(v)
	return base64.RawURLEncoding.EncodeToString(b)
}

// The token kubelet's TokenRequest would return for the pod: the claims a bound service
// account token carries (the audience from the provider's tokenAttributes), RS256.
func token(namespace, name string, tr *authenticationv1.TokenRequest) (*authenticationv1.TokenRequest, error) {
	now := time.Now()
	ref := tr.Spec.BoundObjectRef
	claims := map[string]any{
		"aud": tr.Spec.Audiences, "iat": now.Unix(), "nbf": now.Unix(),
		"exp": now.Add(time.Hour).Unix(), "iss": "https://kubernetes.default.svc",
		"sub": "system:serviceaccount:" + namespace + ":" + name,
		"kubernetes.io": map[string]any{
			"namespace":      namespace,
			"pod":            map[string]string{"name": ref.Name, "uid": string(ref.UID)},
			"serviceaccount": map[string]string{"name": name, "uid": string(tr.UID)},
		},
	}
	signed := b64(map[string]string{"alg": "RS256", "kid": signerKid}) + "." + b64(claims)
	sum := sha256.Sum256([]byte(signed))
	sig, err := rsa.SignPKCS1v15(rand.Reader, signer, crypto.SHA256, sum[:])
	if err != nil {
		return nil, err
	}
	out := tr.DeepCopy()
	out.Status = authenticationv1.TokenRequestStatus{
		Token:               signed + "." + base64.RawURLEncoding.EncodeToString(sig),
		ExpirationTimestamp: metav1.NewTime(now.Add(time.Hour)),
	}
	return out, nil
}

func loadSigner(path string) (*rsa.PrivateKey, error) {
	if path == "" {
		return rsa.GenerateKey(rand.Reader, 2048)
	}
	text, err := os.ReadFile(path)
	if err != nil {
		return nil, err
	}
	block, _ := pem.Decode(text)
	if block == nil {
		return nil, fmt.Errorf("%s: no PEM block", path)
	}
	key, err := x509.ParsePKCS8PrivateKey(block.Bytes)
	if err != nil {
		return nil, err
	}
	rsaKey, ok := key.(*rsa.PrivateKey)
	if !ok {
		return nil, fmt.Errorf("%s: not an RSA key", path)
	}
	signerKid = "rsa-1"
	return rsaKey, nil
}

func serviceAccount(namespace, name string) (*v1.ServiceAccount, error) {
	return &v1.ServiceAccount{ObjectMeta: metav1.ObjectMeta{
		Namespace: namespace, Name: name, UID: types.UID("sa-" + namespace + "-" + name)}}, nil
}

func calls(path string) int {
	b, _ := os.ReadFile(path)
	return strings.Count(string(b), "\n")
}

func run(c kase, callsFile string) answer {
	repo, _, _, err := parsers.ParseImageName(c.Image)
	if err != nil {
		return answer{Error: err.Error(), Want: []match{}, Got: []match{}}
	}
	var cfg credentialprovider.DockerConfigJSON
	if err := json.Unmarshal(c.Want, &cfg); err != nil {
		return answer{Repo: repo, Error: "want: " + err.Error(), Want: []match{}, Got: []match{}}
	}
	keyOf := map[string]string{}
	for key, entry := range cfg.Auths {
		keyOf[entry.Username] = key
	}
	list := func(found []credentialprovider.TrackedAuthConfig) []match {
		out := []match{}
		for _, f := range found {
			out = append(out, match{User: f.Username, Index: keyring.IndexOf(keyOf[f.Username])})
		}
		return out
	}
	file := credentialprovider.BasicDockerKeyring{}
	file.Add(nil, cfg.Auths)
	want, _ := file.Lookup(repo)

	before := calls(callsFile)
	podUID := ""
	if c.Pod != "" {
		podUID = "uid-" + c.Namespace + "-" + c.Pod
	}
	kr := plugin.NewExternalCredentialProviderDockerKeyring(c.Namespace, c.Pod, podUID, c.ServiceAccount)
	got, _ := kr.Lookup(repo)
	allowed := false
	for _, glob := range matchImages {
		if ok, _ := credentialprovider.URLsMatchStr(glob, repo); ok {
			allowed = true
		}
	}
	return answer{Repo: repo, Allowed: allowed, Want: list(want), Got: list(got),
		Execs: calls(callsFile) - before}
}

func main() {
	config := flag.String("config", "", "kubelet's CredentialProviderConfig")
	binDir := flag.String("bin-dir", "", "kubelet's --image-credential-provider-bin-dir")
	callsFile := flag.String("calls", "", "the file the plugin's wrapper adds a line to per run")
	signingKey := flag.String("signing-key", "", "the issuer's RSA key (PKCS #8 PEM, kid rsa-1) "+
		"that signs the tokens; default a key of this process's own")
	flag.Parse()
	var err error
	if signer, err = loadSigner(*signingKey); err != nil {
		fmt.Fprintln(os.Stderr, "provider-oracle:", err)
		os.Exit(2)
	}
	text, err := os.ReadFile(*config)
	if err != nil {
		fmt.Fprintln(os.Stderr, "provider-oracle:", err)
		os.Exit(2)
	}
	var parsed struct {
		Providers []struct {
			MatchImages []string `json:"matchImages"`
		} `json:"providers"`
	}
	if err := yaml.Unmarshal(text, &parsed); err != nil {
		fmt.Fprintln(os.Stderr, "provider-oracle:", err)
		os.Exit(2)
	}
	for _, p := range parsed.Providers {
		matchImages = append(matchImages, p.MatchImages...)
	}
	if err := plugin.RegisterCredentialProviderPlugins(*config, *binDir, token, serviceAccount); err != nil {
		fmt.Fprintln(os.Stderr, "provider-oracle: kubelet refuses the config:", err)
		os.Exit(2)
	}
	in := bufio.NewScanner(os.Stdin)
	in.Buffer(make([]byte, 1<<20), 1<<24)
	out := bufio.NewWriter(os.Stdout)
	defer out.Flush()
	for in.Scan() {
		var c kase
		if err := json.Unmarshal(in.Bytes(), &c); err != nil {
			fmt.Fprintln(os.Stderr, "provider-oracle: a case that is not JSON:", err)
			os.Exit(2)
		}
		b, _ := json.Marshal(run(c, *callsFile))
		out.Write(append(b, '\n'))
		out.Flush()
	}
}
