// The status socket's HTTP exchange without a socket (serve_bytes): the parser, the limits and
// the answers every session gives, as they go on the wire.
#include <gtest/gtest.h>

#include <string>

#include "daemon/api/router.hpp"
#include "daemon/api/server.hpp"

namespace regcred::api {
namespace {

int count(const std::string& s, const std::string& what) {
  int n = 0;
  for (auto at = s.find(what); at != std::string::npos; at = s.find(what, at + 1))
    ++n;
  return n;
}

Response echo(const Request& r) {
  return json_response(
      200,
      {{"method", r.method}, {"target", r.target}, {"body", r.body}, {"privileged", r.privileged}});
}

TEST(Wire, AnswersEachPipelinedRequestUntilClose) {
  const std::string out = serve_bytes(
      "GET /healthz HTTP/1.1\r\nHost: x\r\n\r\n"
      "POST /v1/helper/get HTTP/1.1\r\nHost: x\r\nContent-Length: 3\r\n\r\nabc"
      "GET /after-close HTTP/1.1\r\nConnection: close\r\n\r\n"
      "GET /never HTTP/1.1\r\n\r\n",
      echo, true);
  EXPECT_EQ(count(out, "HTTP/1.1 200 OK"), 3) << out;
  EXPECT_NE(out.find(R"("body":"abc")"), std::string::npos);
  EXPECT_NE(out.find(R"("privileged":true)"), std::string::npos);
  EXPECT_NE(out.find("Server: regcredd"), std::string::npos);
  EXPECT_EQ(out.find("/never"), std::string::npos);
}

TEST(Wire, ChunkedBodiesAreJoined) {
  const std::string out = serve_bytes(
      "POST /x HTTP/1.1\r\nTransfer-Encoding: chunked\r\n\r\n2\r\nab\r\n1\r\nc\r\n0\r\n\r\n", echo,
      false);
  EXPECT_NE(out.find(R"("body":"abc")"), std::string::npos) << out;
  EXPECT_NE(out.find(R"("privileged":false)"), std::string::npos);
}

TEST(Wire, TooLargeIs413AndTheEnd) {
  const std::string body(64 * 1024 + 1, 'x');
  std::string out =
      serve_bytes("POST /v1/provider HTTP/1.1\r\nContent-Length: " + std::to_string(body.size()) +
                      "\r\n\r\n" + body + "GET /healthz HTTP/1.1\r\n\r\n",
                  echo, true);
  EXPECT_EQ(out.rfind("HTTP/1.1 413 Payload Too Large", 0), 0U) << out.substr(0, 80);
  EXPECT_EQ(count(out, "HTTP/1.1"), 1);
  out = serve_bytes("GET / HTTP/1.1\r\nX: " + std::string(17 * 1024, 'h') + "\r\n\r\n", echo, true);
  EXPECT_EQ(out.rfind("HTTP/1.1 413", 0), 0U);
}

// Found by the status_http fuzz target: a path that is not UTF-8 in a 404's message made the
// JSON printer throw, which in a session is std::terminate: any local user could stop regcredd.
TEST(Wire, APathThatIsNotUtf8IsAnsweredNotThrownOn) {
  class Nothing final : public Endpoints {
   public:
    bool ready() const override { return true; }
    nlohmann::json status(bool) override { return nlohmann::json::object(); }
    std::string metrics(bool) override { return {}; }
    Response pulltests(const Request&) override { return {}; }
    Response pulltest(const Request&, std::string_view) override { return {}; }
    Response start_pulltest(const Request&) override { return {}; }
    Response reload() override { return {}; }
    Response helper_get(const Request&) override { return {}; }
    Response helper_list(const Request&) override { return {}; }
    Response helper_store(const Request&) override { return {}; }
    Response helper_erase(const Request&) override { return {}; }
    Response provider(const Request&) override { return {}; }
  } provider;
  const std::string out = serve_bytes(
      "POST /v1/relo\xb4"
      "d HTTP/1.1\r\nHost: x\r\nContent-Length: 0\r\n\r\n",
      [&](const Request& r) { return route(r, provider); }, false);
  EXPECT_EQ(out.rfind("HTTP/1.1 404 Not Found", 0), 0U) << out;
  EXPECT_NE(out.find("no such endpoint: /v1/relo\xef\xbf\xbd"
                     "d"),
            std::string::npos)
      << out;
}

TEST(Wire, GarbageAndHalfRequestsGetNothing) {
  EXPECT_EQ(serve_bytes("GET /healthz HTTP/1.1\r\nHost: x\r\n", echo, true), "");
  EXPECT_EQ(serve_bytes("\x16\x03\x01 not http", echo, true), "");
  EXPECT_EQ(serve_bytes("POST /x HTTP/1.1\r\nContent-Length: 10\r\n\r\nabc", echo, true), "");
}

}  // namespace
}  // namespace regcred::api
