// fleet: N nodes' watches against one kube-apiserver, for make bench's fleet figures. Each
// simulated node has a TLS connection of its own (HTTP/1.1, as regcredd's client) and follows
// the reflector's rules regcredd follows (client-go's): a first list at resourceVersion=0, a
// watch with bookmarks from the list's version and a timeout of 300-600 s, a cut watch resumed
// from the last version seen, a 410 relisted at the last version synced; a list without a
// version (a read from etcd) only after a list's own 410.
//
// Modes: "direct" watches what a node in direct mode watches (every namespace's labelled
// secrets, one stream per pull-secret type); "published" what a node in published mode
// watches (the publish namespace's published secrets, one stream).
//
// Commands on stdin, one a line; answers on stdout, one JSON object a line:
//
//	sync                      -> {"synced": N, "seconds": S} once every stream has listed
//	change NS NAME WATCHED    -> PUTs a new password into secret NS/NAME and waits for every
//	                             node to receive the event for the object named WATCHED
//	                             ({"latencies_ms": [...], "bytes": [...], "object_bytes": B})
//	counters                  -> {"lists": [...per node], "etcd_lists": [...], "watches": [...]}
//	quit
package main

import (
	"bufio"
	"bytes"
	"crypto/tls"
	"crypto/x509"
	"encoding/base64"
	"encoding/json"
	"flag"
	"fmt"
	"io"
	"math/rand"
	"net/http"
	"net/url"
	"os"
	"strings"
	"sync"
	"sync/atomic"
	"time"
)

type stream struct {
	path, field, label string
}

type arrival struct {
	at    time.Time
	bytes int
}

type node struct {
	client  *http.Client
	streams []stream
	synced  atomic.Int32
	lists   atomic.Int64
	etcd    atomic.Int64
	watches atomic.Int64

	mu      sync.Mutex
	waitFor string // object name whose next event is timed
	got     *arrival
	gotCh   chan struct{}
}

var server string

func newClient(ca *x509.CertPool, cert tls.Certificate) *http.Client {
	t := &http.Transport{
		TLSClientConfig:   &tls.Config{RootCAs: ca, Certificates: []tls.Certificate{cert}},
		TLSNextProto:      map[string]func(string, *tls.Conn) http.RoundTripper{}, // HTTP/1.1
		DisableKeepAlives: false,
		MaxIdleConns:      4,
	}
	return &http.Client{Transport: t}
}

func query(s stream, extra url.Values) string {
	q := url.Values{}
	if s.field != "" {
		q.Set("fieldSelector", s.field)
	}
	if s.label != "" {
		q.Set("labelSelector", s.label)
	}
	for k, v := range extra {
		q[k] = v
	}
	return server + s.path + "?" + q.Encode()
}

type listBody struct {
	Metadata struct {
		ResourceVersion string `json:"resourceVersion"`
	} `json:"metadata"`
}

type event struct {
	Type   string `json:"type"`
	Object struct {
		Metadata struct {
			Name            string `json:"name"`
			ResourceVersion string `json:"resourceVersion"`
		} `json:"metadata"`
		Code int `json:"code"`
	} `json:"object"`
}

// list returns the list's resourceVersion; rv "" is a read from etcd.
func (n *node) list(s stream, rv string) (string, int, error) {
	n.lists.Add(1)
	v := url.Values{}
	if rv != "" {
		v.Set("resourceVersion", rv)
	} else {
		n.etcd.Add(1)
	}
	r, err := n.client.Get(query(s, v))
	if err != nil {
		return "", 0, err
	}
	defer r.Body.Close()
	body, _ := io.ReadAll(r.Body)
	if r.StatusCode != 200 {
		return "", r.StatusCode, fmt.Errorf("list: %d", r.StatusCode)
	}
	var l listBody
	if err := json.Unmarshal(body, &l); err != nil {
		return "", 0, err
	}
	return l.Metadata.ResourceVersion, 200, nil
}

// watch runs one watch; returns the last version seen and whether the server said 410.
func (n *node) watch(s stream, rv string) (string, bool) {
	n.watches.Add(1)
	v := url.Values{}
	v.Set("watch", "true")
	v.Set("allowWatchBookmarks", "true")
	v.Set("resourceVersion", rv)
	v.Set("timeoutSeconds", fmt.Sprint(300+rand.Intn(300)))
	r, err := n.client.Get(query(s, v))
	if err != nil {
		return rv, false
	}
	defer r.Body.Close()
	if r.StatusCode == 410 {
		return rv, true
	}
	if r.StatusCode != 200 {
		io.Copy(io.Discard, r.Body)
		return rv, false
	}
	rd := bufio.NewReaderSize(r.Body, 64*1024)
	for {
		line, err := rd.ReadBytes('\n')
		if len(line) > 0 {
			now := time.Now()
			var e event
			if json.Unmarshal(line, &e) == nil {
				if e.Type == "ERROR" {
					return rv, e.Object.Code == 410
				}
				if e.Object.Metadata.ResourceVersion != "" {
					rv = e.Object.Metadata.ResourceVersion
				}
				if e.Type == "ADDED" || e.Type == "MODIFIED" || e.Type == "DELETED" {
					n.mu.Lock()
					if n.waitFor != "" && e.Object.Metadata.Name == n.waitFor && n.got == nil {
						n.got = &arrival{now, len(line)}
						close(n.gotCh)
					}
					n.mu.Unlock()
				}
			}
		}
		if err != nil {
			return rv, false
		}
	}
}

func (n *node) run(s stream) {
	rv, synced, backoff := "0", "", 800*time.Millisecond
	first := true
	for {
		got, code, err := n.list(s, rv)
		if code == 410 || code == 504 {
			rv = "" // the version is gone: from etcd, as client-go
			continue
		}
		if err != nil {
			time.Sleep(backoff + time.Duration(rand.Int63n(int64(backoff))))
			if backoff < 30*time.Second {
				backoff *= 2
			}
			continue
		}
		backoff = 800 * time.Millisecond
		synced = got
		if first {
			n.synced.Add(1)
			first = false
		}
		cur := synced
		for {
			next, gone := n.watch(s, cur)
			if gone {
				rv = synced // relist at the version synced: the watch cache answers it
				if next != "" {
					rv = next
				}
				break
			}
			if next == cur {
				time.Sleep(backoff + time.Duration(rand.Int63n(int64(backoff))))
				if backoff < 30*time.Second {
					backoff *= 2
				}
			} else {
				backoff = 800 * time.Millisecond
			}
			cur = next
			synced = next
		}
	}
}

func main() {
	var nodes int
	var mode, caFile, certFile, keyFile, publishNS string
	flag.StringVar(&server, "server", "", "https://host:port")
	flag.IntVar(&nodes, "nodes", 1000, "simulated nodes")
	flag.StringVar(&mode, "mode", "published", "direct or published")
	flag.StringVar(&publishNS, "publish-namespace", "regcred-system", "published mode's namespace")
	flag.StringVar(&caFile, "ca", "", "CA file")
	flag.StringVar(&certFile, "cert", "", "client certificate")
	flag.StringVar(&keyFile, "key", "", "client key")
	flag.Parse()

	pem, err := os.ReadFile(caFile)
	if err != nil {
		panic(err)
	}
	ca := x509.NewCertPool()
	ca.AppendCertsFromPEM(pem)
	cert, err := tls.LoadX509KeyPair(certFile, keyFile)
	if err != nil {
		panic(err)
	}
	var streams []stream
	if mode == "direct" {
		for _, t := range []string{"kubernetes.io/dockerconfigjson", "kubernetes.io/dockercfg"} {
			streams = append(streams, stream{"/api/v1/secrets", "type=" + t, "regcred.io/sync=true"})
		}
	} else {
		streams = append(streams, stream{"/api/v1/namespaces/" + publishNS + "/secrets",
			"type=kubernetes.io/dockerconfigjson", "regcred.io/published=true"})
	}
	fleet := make([]*node, nodes)
	started := time.Now()
	for i := range fleet {
		n := &node{client: newClient(ca, cert), streams: streams}
		fleet[i] = n
		for _, s := range streams {
			go n.run(s)
		}
	}
	admin := newClient(ca, cert)
	out := json.NewEncoder(os.Stdout)
	in := bufio.NewScanner(os.Stdin)
	for in.Scan() {
		f := strings.Fields(in.Text())
		if len(f) == 0 {
			continue
		}
		switch f[0] {
		case "sync":
			for {
				all := true
				for _, n := range fleet {
					if int(n.synced.Load()) < len(streams) {
						all = false
						break
					}
				}
				if all {
					break
				}
				time.Sleep(100 * time.Millisecond)
			}
			out.Encode(map[string]any{"synced": nodes, "seconds": time.Since(started).Seconds()})
		case "change":
			ns, name, watched := f[1], f[2], f[3]
			for _, n := range fleet {
				n.mu.Lock()
				n.waitFor, n.got, n.gotCh = watched, nil, make(chan struct{})
				n.mu.Unlock()
			}
			t0 := time.Now()
			if err := putPassword(admin, ns, name, fmt.Sprintf("fleet-%d", t0.UnixNano())); err != nil {
				out.Encode(map[string]any{"error": err.Error()})
				continue
			}
			lat, sizes := []float64{}, []int{}
			deadline := time.After(60 * time.Second)
			for _, n := range fleet {
				select {
				case <-n.gotCh:
				case <-deadline:
				}
				n.mu.Lock()
				if n.got != nil {
					lat = append(lat, float64(n.got.at.Sub(t0).Microseconds())/1000)
					sizes = append(sizes, n.got.bytes)
				}
				n.waitFor = ""
				n.mu.Unlock()
			}
			objNS := ns
			if mode == "published" {
				objNS = publishNS
			}
			out.Encode(map[string]any{"latencies_ms": lat, "bytes": sizes,
				"object_bytes": objectBytes(admin, objNS, watched)})
		case "counters":
			var lists, etcd, watches []int64
			for _, n := range fleet {
				lists = append(lists, n.lists.Load())
				etcd = append(etcd, n.etcd.Load())
				watches = append(watches, n.watches.Load())
			}
			out.Encode(map[string]any{"lists": lists, "etcd_lists": etcd, "watches": watches})
		case "quit":
			return
		}
	}
}

func putPassword(c *http.Client, ns, name, password string) error {
	cfg, _ := json.Marshal(map[string]any{"auths": map[string]any{
		"registry." + ns + ".example": map[string]string{"username": "fleet", "password": password,
			"auth": base64.StdEncoding.EncodeToString([]byte("fleet:" + password))}}})
	body, _ := json.Marshal(map[string]any{
		"apiVersion": "v1", "kind": "Secret", "type": "kubernetes.io/dockerconfigjson",
		"metadata": map[string]any{"name": name, "namespace": ns,
			"labels": map[string]string{"regcred.io/sync": "true"}},
		"data": map[string]string{".dockerconfigjson": base64.StdEncoding.EncodeToString(cfg)}})
	req, _ := http.NewRequest("PUT", server+"/api/v1/namespaces/"+ns+"/secrets/"+name, bytes.NewReader(body))
	req.Header.Set("Content-Type", "application/json")
	r, err := c.Do(req)
	if err != nil {
		return err
	}
	defer r.Body.Close()
	io.Copy(io.Discard, r.Body)
	if r.StatusCode != 200 {
		return fmt.Errorf("PUT %s/%s: %d", ns, name, r.StatusCode)
	}
	return nil
}

// The object as a GET returns it (JSON): what a watch event carries, without the envelope.
func objectBytes(c *http.Client, ns, name string) int {
	r, err := c.Get(server + "/api/v1/namespaces/" + ns + "/secrets/" + name)
	if err != nil {
		return 0
	}
	defer r.Body.Close()
	b, _ := io.ReadAll(r.Body)
	var compact bytes.Buffer
	if json.Compact(&compact, b) != nil {
		return len(b)
	}
	return compact.Len()
}
