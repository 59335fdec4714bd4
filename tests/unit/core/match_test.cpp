// The consumers' key choices where the vector files (keyring_vectors_test, docker_vectors_test)
// do not reach: cases the Go oracles of the kube tier found.
#include "common/core/match.hpp"

#include <gtest/gtest.h>

namespace regcred::core {
namespace {

// containers/image v5's reference grammar refuses "[::1]:5000/x" ("invalid reference format"),
// so skopeo and podman use no credential for it; docker and kubelet accept it.
TEST(Match, ContainersRefusesAnIpv6Host) {
  EXPECT_EQ(containers_reference_error("[::1]:5000"), "invalid reference format");
  EXPECT_EQ(containers_reference_error("[fe80::1]"), "invalid reference format");
  EXPECT_EQ(containers_reference_error("127.0.0.1:5000"), std::nullopt);
  EXPECT_EQ(containers_reference_error("docker.io"), std::nullopt);
}

TEST(Match, HostGlobsOverlapLabelByLabel) {
  EXPECT_TRUE(kubelet_hosts_overlap("*.pkg.dev", "europe-docker.pkg.dev"));
  EXPECT_TRUE(kubelet_hosts_overlap("europe-docker.pkg.dev", "*.pkg.dev"));
  EXPECT_TRUE(kubelet_hosts_overlap("europe-docker.*.dev", "*.pkg.dev"));  // each way per label
  EXPECT_FALSE(kubelet_hosts_overlap("*.dev", "*.pkg.dev"));               // label counts differ
  EXPECT_FALSE(kubelet_hosts_overlap("quay.io:5000", "quay.io"));          // ports differ
  EXPECT_FALSE(kubelet_hosts_overlap("*.example.io", "index.docker.io"));
}

}  // namespace
}  // namespace regcred::core