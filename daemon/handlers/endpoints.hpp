// endpoints.hpp: regcredd's api::Endpoints: each endpoint to its handler, over the daemon's
// view. What only the daemon can do (a reload) is a function it hands over.
#pragma once

#include <functional>

#include "daemon/api/router.hpp"
#include "daemon/app/pull_tests.hpp"
#include "daemon/handlers/credentials.hpp"
#include "daemon/handlers/view.hpp"

namespace regcred::daemon {

class DaemonEndpoints final : public api::Endpoints {
 public:
  DaemonEndpoints(std::function<DaemonView()> view, PullTests& pull_tests,
                  CredentialEndpoints& credentials, std::function<api::Response()> reload)
      : view_(std::move(view)),
        pull_tests_(pull_tests),
        credentials_(credentials),
        reload_(std::move(reload)) {}

  bool ready() const override { return view_().progress.ready(); }
  nlohmann::json status(bool privileged) override;
  std::string metrics(bool privileged) override;
  api::Response pulltests(const api::Request& req) override;
  api::Response pulltest(const api::Request& req, std::string_view id) override;
  api::Response start_pulltest(const api::Request& req) override;
  api::Response reload() override { return reload_(); }
  api::Response helper_get(const api::Request& req) override { return credentials_.get(req); }
  api::Response helper_list(const api::Request& req) override { return credentials_.list(req); }
  api::Response helper_store(const api::Request& req) override { return credentials_.store(req); }
  api::Response helper_erase(const api::Request& req) override { return credentials_.erase(req); }
  api::Response provider(const api::Request& req) override { return credentials_.provider(req); }

 private:
  std::function<DaemonView()> view_;
  PullTests& pull_tests_;
  CredentialEndpoints& credentials_;
  std::function<api::Response()> reload_;
};

}  // namespace regcred::daemon
