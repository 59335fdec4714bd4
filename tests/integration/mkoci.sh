#!/bin/sh
# mkoci.sh DIR TAG: a one-layer OCI image layout, from tar, gzip and sha256sum only.
set -eu
out=$1 tag=$2
mkdir -p "$out/blobs/sha256" "$out/root"
echo "hello from regcred" >"$out/root/hello.txt"
tar --sort=name --mtime=@0 --owner=0 --group=0 -C "$out/root" -cf "$out/layer.tar" hello.txt
diff_id=$(sha256sum "$out/layer.tar" | cut -d' ' -f1)
gzip -n -c "$out/layer.tar" >"$out/layer.tar.gz"
layer=$(sha256sum "$out/layer.tar.gz" | cut -d' ' -f1)
layer_size=$(stat -c %s "$out/layer.tar.gz")
mv "$out/layer.tar.gz" "$out/blobs/sha256/$layer"
printf '{"architecture":"amd64","os":"linux","config":{"Cmd":["/hello.txt"]},"rootfs":{"type":"layers","diff_ids":["sha256:%s"]}}' "$diff_id" >"$out/config.json"
config=$(sha256sum "$out/config.json" | cut -d' ' -f1)
config_size=$(stat -c %s "$out/config.json")
mv "$out/config.json" "$out/blobs/sha256/$config"
printf '{"schemaVersion":2,"mediaType":"application/vnd.oci.image.manifest.v1+json","config":{"mediaType":"application/vnd.oci.image.config.v1+json","digest":"sha256:%s","size":%s},"layers":[{"mediaType":"application/vnd.oci.image.layer.v1.tar+gzip","digest":"sha256:%s","size":%s}]}' \
  "$config" "$config_size" "$layer" "$layer_size" >"$out/manifest.json"
manifest=$(sha256sum "$out/manifest.json" | cut -d' ' -f1)
manifest_size=$(stat -c %s "$out/manifest.json")
mv "$out/manifest.json" "$out/blobs/sha256/$manifest"
printf '{"schemaVersion":2,"manifests":[{"mediaType":"application/vnd.oci.image.manifest.v1+json","digest":"sha256:%s","size":%s,"annotations":{"org.opencontainers.image.ref.name":"%s"}}]}' \
  "$manifest" "$manifest_size" "$tag" >"$out/index.json"
echo '{"imageLayoutVersion":"1.0.0"}' >"$out/oci-layout"
rm -rf "$out/root" "$out/layer.tar"
