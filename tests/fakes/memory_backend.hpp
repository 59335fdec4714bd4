// memory_backend.hpp: a helper backend held in memory, for the helpers' run() tests: cluster
// credentials set by the test, node-local ones kept by store() and erase(), answered with the
// same rules as the state folder (core/answer.hpp), as docker-credential-helpers tests its
// protocol against a memory store.
#pragma once

#include <map>
#include <memory>
#include <string>
#include <utility>

#include "common/core/answer.hpp"
#include "common/core/docker_config.hpp"
#include "helper/backend/backend.hpp"

namespace regcred::testing {

class MemoryBackend final : public helper_backend::Backend {
 public:
  // The cluster's credentials (as regcredd's store would hold them).
  core::CredentialTable cluster;
  core::DockerConfig local;  // node-local credentials
  // The namespace-scoped tables (KEP-4412), by namespace.
  std::map<std::string, core::CredentialTable> namespaces;
  int calls = 0;

  Result<std::optional<helper_backend::GetAnswer>> get(std::string_view server) override {
    ++calls;
    const auto t = table();
    const core::TableEntry* e = core::helper_get(t, server);
    if (e == nullptr) return std::optional<helper_backend::GetAnswer>();
    const auto& c = e->credential;
    if (c.password.empty() && !c.identitytoken.empty()) {
      return std::optional<helper_backend::GetAnswer>(
          {std::string(core::helper::k_token_username), c.identitytoken});
    }
    return std::optional<helper_backend::GetAnswer>({c.username, c.password});
  }
  Result<std::map<std::string, std::string>> list() override {
    ++calls;
    return core::helper_list(table());
  }
  Result<void> store(const core::helper::Credentials& c) override {
    ++calls;
    return core::store_local(local, c);
  }
  Result<helper_backend::EraseAnswer> erase(std::string_view server) override {
    ++calls;
    if (core::erase_local(local, server)) {
      return helper_backend::EraseAnswer{helper_backend::EraseOutcome::erased, ""};
    }
    if (const auto* e = core::helper_get(cluster, server)) {
      return helper_backend::EraseAnswer{helper_backend::EraseOutcome::refused,
                                         core::erase_refused_text(server, *e)};
    }
    return helper_backend::EraseAnswer{helper_backend::EraseOutcome::not_found, ""};
  }
  Result<std::string> provide(std::string_view, const core::ProviderRequest& r,
                              std::string_view hit) override {
    ++calls;
    auto a = core::provider_answer(table(), r.image, r.api_version, hit);
    return core::encode_provider_response(a.response);
  }
  bool used_daemon() const override { return false; }

  core::CredentialTable table() const {
    return core::merge_tables(core::local_table(local), cluster);
  }

  // A MakeBackend that hands out this backend (owned by the test) and records what it was
  // given.
  helper_backend::MakeBackend maker() {
    return [this](const std::string& socket, const std::string& state_dir) {
      given_socket = socket;
      given_state_dir = state_dir;
      return std::unique_ptr<helper_backend::Backend>(std::make_unique<Borrowed>(*this));
    };
  }
  std::string given_socket;
  std::string given_state_dir;

 private:
  // Forwards to the test's backend, so that run() may own what it is given.
  class Borrowed final : public helper_backend::Backend {
   public:
    explicit Borrowed(MemoryBackend& b) : b_(b) {}
    Result<std::optional<helper_backend::GetAnswer>> get(std::string_view s) override {
      return b_.get(s);
    }
    Result<std::map<std::string, std::string>> list() override { return b_.list(); }
    Result<void> store(const core::helper::Credentials& c) override { return b_.store(c); }
    Result<helper_backend::EraseAnswer> erase(std::string_view s) override { return b_.erase(s); }
    Result<std::string> provide(std::string_view t, const core::ProviderRequest& r,
                                std::string_view h) override {
      return b_.provide(t, r, h);
    }
    bool used_daemon() const override { return false; }

   private:
    MemoryBackend& b_;
  };
};

}  // namespace regcred::testing
