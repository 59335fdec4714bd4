// regcred-pull-worker's side of the pipe: the request line regcredd writes, read back whole
// (credentials included), and the worker's answers, line by line.
#include <gtest/gtest.h>

#include <sstream>

#include "common/pull/plan.hpp"
#include "daemon/worker/run.hpp"

namespace regcred {
namespace {

pull::Request sample() {
  pull::Request q;
  q.id = 7;
  q.image = "127.0.0.1:1/team/app:v1";
  // A password decoded from an `auth` can be any bytes, not UTF-8.
  q.candidates.push_back({"alice", Secret(std::string("pw-\"quoted\"\n\xff\xfe\0end", 17)),
                          Secret(""), "127.0.0.1:1", "127.0.0.1:1", "ci/pull"});
  q.candidates.push_back(
      {"", Secret(""), Secret("refresh-token"), "*.example", "*.example", "local"});
  q.options.ca_pem = "-----BEGIN CERTIFICATE-----\nMIIB\n-----END CERTIFICATE-----\n";
  q.options.platform = {"linux", "arm64", "v8"};
  q.options.timeout = std::chrono::milliseconds(2500);
  return q;
}

TEST(PullWorkerWire, ARequestReadsBackWhole) {
  const pull::Request q = sample();
  const std::string line = pull::request_line(q);
  ASSERT_EQ(line.back(), '\n');
  EXPECT_EQ(line.find('\n'), line.size() - 1) << "one line, whatever the password holds";
  auto back = pull::parse_request(line);
  ASSERT_TRUE(back) << back.error().message;
  EXPECT_EQ(back->id, 7);
  EXPECT_EQ(back->image, q.image);
  ASSERT_EQ(back->candidates.size(), 2U);
  EXPECT_EQ(back->candidates[0].username, "alice");
  EXPECT_EQ(back->candidates[0].password, q.candidates[0].password);
  EXPECT_EQ(back->candidates[0].from, "ci/pull");
  EXPECT_EQ(back->candidates[1].identitytoken, Secret("refresh-token"));
  EXPECT_EQ(back->candidates[1].pattern, "*.example");
  EXPECT_EQ(back->options.ca_pem, q.options.ca_pem);
  EXPECT_EQ(back->options.platform.architecture, "arm64");
  EXPECT_EQ(back->options.platform.variant, "v8");
  EXPECT_EQ(back->options.timeout.count(), 2500);
}

TEST(PullWorkerWire, AMalformedRequestIsAnErrorThatHoldsNoValue) {
  auto cut = pull::parse_request(R"({"id":1,"candidates":[{"password":"pw-secret)");
  ASSERT_FALSE(cut);
  EXPECT_EQ(cut.error().message.find("pw-"), std::string::npos) << cut.error().message;
  auto r = pull::parse_request(
      R"({"id":1,"image":"x","candidates":[{"username":"u","password":"pw-secret"}]})");
  ASSERT_FALSE(r);
  EXPECT_EQ(r.error().message.find("pw-secret"), std::string::npos) << r.error().message;
}

TEST(PullWorker, AnswersEveryRequestThenEndsWithItsInput) {
  pull::Request refused = sample();  // port 1: nothing listens, the connection is refused
  pull::Request bad_image = sample();
  bad_image.id = 8;
  bad_image.image = "no spaces allowed:x";
  std::istringstream in("not json\n" + pull::request_line(refused) + pull::request_line(bad_image));
  std::ostringstream out;
  std::ostringstream err;
  EXPECT_EQ(worker::run(in, out, err, 2), 0);

  std::map<std::string, nlohmann::json> by_id;
  std::istringstream lines(out.str());
  for (std::string line; std::getline(lines, line);) {
    auto j = nlohmann::json::parse(line);
    by_id[j["id"].dump()] = j;
  }
  ASSERT_EQ(by_id.size(), 3U) << out.str();
  EXPECT_TRUE(by_id["null"].contains("error"));
  EXPECT_NE(err.str().find("pull test request"), std::string::npos) << err.str();
  const auto& r = by_id["7"]["result"];
  EXPECT_EQ(r["image"], "127.0.0.1:1/team/app:v1");
  EXPECT_EQ(r["ok"], false);
  EXPECT_EQ(r["class"], "connect");
  EXPECT_EQ(r["phase"], "connect");
  EXPECT_NE(by_id["8"]["error"].get<std::string>().find("no spaces allowed:x"), std::string::npos);
  EXPECT_EQ(out.str().find("pw-"), std::string::npos) << "no credential in an answer";
}

}  // namespace
}  // namespace regcred
