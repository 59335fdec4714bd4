// helper-oracle HELPER [CLUSTER_SERVER CLUSTER_USER]: docker's own credential-helper client
// (github.com/docker/docker-credential-helpers/client, what the docker CLI runs) driving HELPER
// through store, get, list and erase, as docker login, pull and logout do. Each step prints
// "ok - ..." or "not ok - ..."; the exit code is the number of failed steps (0: all held).
// With CLUSTER_SERVER, that server holds a cluster credential of CLUSTER_USER: get returns
// it, and erase is refused with an error that is not "not found".
package main

import (
	"fmt"
	"os"
	"strings"

	"github.com/docker/docker-credential-helpers/client"
	"github.com/docker/docker-credential-helpers/credentials"
)

var failed int

func check(ok bool, what string, args ...any) {
	msg := fmt.Sprintf(what, args...)
	if ok {
		fmt.Println("ok -", msg)
		return
	}
	failed++
	fmt.Println("not ok -", msg)
}

// The helper answered with the protocol's not-found text (client.Erase passes it on wrapped).
func notFound(err error) bool {
	return err != nil && strings.Contains(err.Error(), credentials.NewErrCredentialsNotFound().Error())
}

func main() {
	if len(os.Args) < 2 {
		fmt.Fprintln(os.Stderr, "usage: helper-oracle HELPER [CLUSTER_SERVER CLUSTER_USER]")
		os.Exit(2)
	}
	p := client.NewShellProgramFunc(os.Args[1])

	_, err := client.Get(p, "https://unknown.example.com")
	check(credentials.IsErrCredentialsNotFound(err), "get of an unknown server is 'not found' (%v)", err)

	err = client.Store(p, &credentials.Credentials{ServerURL: "https://login.example.com",
		Username: "oracle-user", Secret: "oracle-pw-5151"})
	check(err == nil, "store (docker login) succeeds (%v)", err)
	for _, server := range []string{"https://login.example.com", "login.example.com"} {
		c, err := client.Get(p, server)
		check(err == nil && c.Username == "oracle-user" && c.Secret == "oracle-pw-5151",
			"get %s returns what was stored (err %v)", server, err)
	}
	list, err := client.List(p)
	_, listed := list["https://login.example.com"]
	check(err == nil && listed, "list names the stored server (%d entries, %v)", len(list), err)

	err = client.Store(p, &credentials.Credentials{ServerURL: "token.example.com",
		Username: "<token>", Secret: "oracle-token-5252"})
	check(err == nil, "store of an identity token succeeds (%v)", err)
	c, err := client.Get(p, "token.example.com")
	check(err == nil && c.Username == "<token>" && c.Secret == "oracle-token-5252",
		"get returns the identity token as <token> (err %v)", err)

	err = client.Erase(p, "https://login.example.com")
	check(err == nil, "erase (docker logout) succeeds (%v)", err)
	_, err = client.Get(p, "https://login.example.com")
	check(credentials.IsErrCredentialsNotFound(err), "get after erase is 'not found' (%v)", err)
	// client.Erase wraps every failure ("error erasing credentials - err: ..., out: `...`"),
	// the helper's not-found text included, where Get maps it to ErrCredentialsNotFound.
	err = client.Erase(p, "https://login.example.com")
	check(notFound(err), "a second erase says 'not found' (%v)", err)
	check(client.Erase(p, "token.example.com") == nil, "the token is erased too")

	if len(os.Args) >= 4 {
		server, user := os.Args[2], os.Args[3]
		c, err := client.Get(p, server)
		check(err == nil && c.Username == user, "get %s returns the cluster's credential (err %v)", server, err)
		err = client.Erase(p, server)
		check(err != nil && !notFound(err),
			"erase of a cluster credential is refused, not 'not found' (%v)", err)
		c, err = client.Get(p, server)
		check(err == nil && c.Username == user, "and it is still there (err %v)", err)
	}
	os.Exit(failed)
}
