#include "helper/docker/run.hpp"

#include <iostream>
#include <iterator>

#include "common/core/credential_helper.hpp"
#include "common/core/go/encoding.hpp"
#include "helper/backend/backend.hpp"

namespace regcred::docker_helper {
namespace {

namespace proto = core::helper;
using helper_backend::Backend;
using helper_backend::EraseOutcome;
using helper_backend::k_default_socket;
using helper_backend::k_default_state_dir;

std::string usage() {
  return "Usage: " + std::string(k_name) + " <store|get|erase|list|version>";
}

// Prints `message` as credentials.Serve prints an error: on stdout, with a newline, exit 1.
int failed(std::ostream& out, std::string_view message) {
  out << message << "\n";
  return 1;
}

Result<std::string> read_request(std::istream& in) {
  std::string raw{std::istreambuf_iterator<char>(in), {}};
  return proto::join_lines(raw);
}

}  // namespace

int run(const std::vector<std::string>& args, std::istream& in, std::ostream& out,
        const Getenv& getenv, const helper_backend::MakeBackend& make_backend) {
  if (args.size() != 1) return failed(out, usage());
  const std::string& verb = args[0];
  if (verb == "--version" || verb == "-v" || verb == "version") {
    out << k_name << " (regcred) v" << REGCRED_VERSION << "\n";
    return 0;
  }
  if (verb == "--help" || verb == "-h") {
    out << usage() << "\n";
    return 0;
  }
  const auto backend_ptr =
      make_backend(getenv("REGCRED_SOCKET").value_or(std::string(k_default_socket)),
                   getenv("REGCRED_STATE_DIR").value_or(std::string(k_default_state_dir)));
  Backend& backend = *backend_ptr;
  if (verb == "list") {
    auto entries = backend.list();
    if (!entries) return failed(out, entries.error().message);
    out << proto::format_list(*entries);
    return 0;
  }
  if (verb != "get" && verb != "store" && verb != "erase") {
    return failed(out, std::string(k_name) + ": unknown action: " + verb);
  }
  auto request = read_request(in);
  if (!request) return failed(out, request.error().message);

  if (verb == "store") {
    auto creds = proto::parse_store(*request);
    if (!creds) return failed(out, creds.error().message);
    auto r = backend.store(*creds);
    if (!r) return failed(out, r.error().message);
    return 0;
  }
  const std::string server(core::go_trim_space(*request));
  if (server.empty()) return failed(out, proto::k_missing_server);
  if (verb == "get") {
    auto answer = backend.get(server);
    if (!answer) return failed(out, answer.error().message);
    if (!*answer) return failed(out, proto::k_not_found);
    out << proto::format_get(server, (*answer)->username, (*answer)->secret);
    return 0;
  }
  auto erased = backend.erase(server);
  if (!erased) return failed(out, erased.error().message);
  switch (erased->outcome) {
    case EraseOutcome::erased:
      return 0;
    case EraseOutcome::not_found:
      return failed(out, proto::k_not_found);
    case EraseOutcome::refused:
      return failed(out, erased->message);
  }
  return 1;
}

}  // namespace regcred::docker_helper
