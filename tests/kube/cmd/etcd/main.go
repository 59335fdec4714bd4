// etcd for the test control plane: etcd's own main (etcdmain), pinned by this module's go.mod
// to the server release the pinned kube-apiserver is built against.
package main

import (
	"os"

	"go.etcd.io/etcd/server/v3/etcdmain"
)

func main() {
	etcdmain.Main(os.Args)
}
