#include "daemon/sync/state.hpp"
#include "common/core/json_fields.hpp"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>

#include "common/core/answer.hpp"
#include "common/core/docker_config.hpp"
#include "common/core/lookup_index.hpp"
#include "common/io/safe_file.hpp"

namespace regcred::sync {
namespace {

constexpr std::size_t k_max_state_size = 256U << 20U;

}  // namespace

NamespaceTables namespace_tables(const Store& store) {
  NamespaceTables out;
  for (const auto& ns : store.namespaces())
    out.emplace_back(ns, store.namespace_table(ns));
  return out;
}

Result<SinkRecords> load_sink_records(const std::string& state_dir) {
  REGCRED_TRY_ASSIGN(io::Dir dir, io::open_dir(state_dir, io::CreateDirs::yes));
  REGCRED_TRY_ASSIGN(auto content, io::read_file(dir, io::state_folder::k_sinks, k_max_state_size));
  SinkRecords out;
  if (!content) return out;
  std::string where = state_dir + "/" + std::string(io::state_folder::k_sinks);
  nlohmann::json j = nlohmann::json::parse(content->text, nullptr, false);
  if (j.is_discarded() || !j.is_object() || !j.contains("sinks") || !j["sinks"].is_object()) {
    return fail(Code::parse_error, "read " + where + ": not a sink record");
  }
  for (const auto& [path, rec] : j["sinks"].items()) {
    if (!rec.is_object() || !rec.contains("keys") || !rec["keys"].is_object()) continue;
    OwnedKeys& owned = out[path];
    for (const auto& [key, fps] : rec["keys"].items()) {
      if (!fps.is_array()) continue;
      for (const auto& fp : fps) {
        if (fp.is_string()) owned[key].insert(fp.get<std::string>());
      }
    }
  }
  return out;
}

Result<void> save_sink_records(const std::string& state_dir, const SinkRecords& records) {
  nlohmann::json sinks = nlohmann::json::object();
  for (const auto& [path, owned] : records) {
    nlohmann::json keys = nlohmann::json::object();
    for (const auto& [key, fps] : owned)
      keys[key] = fps;
    sinks[path] = {{"keys", std::move(keys)}};
  }
  nlohmann::json root = {{"version", 1}, {"sinks", std::move(sinks)}};
  return io::state_folder::write_state_file(state_dir, io::state_folder::k_sinks,
                                            core::json_text(root, 1, '\t'));
}

Result<void> SinkJournal::open(bool truncate) {
  REGCRED_TRY_ASSIGN(io::Dir dir, io::open_dir(state_dir_, io::CreateDirs::yes));
  io::Fd fd(::openat(
      dir.fd.get(), std::string(io::state_folder::k_sinks_journal).c_str(),
      O_WRONLY | O_CREAT | O_APPEND | O_NOFOLLOW | O_CLOEXEC | (truncate ? O_TRUNC : 0), 0600));
  if (!fd) {
    return fail(Code::io_error, std::string(truncate ? "truncate " : "open ") + state_dir_ + "/" +
                                    std::string(io::state_folder::k_sinks_journal) + ": " +
                                    std::strerror(errno));
  }
  fd_ = std::move(fd);
  return ok();
}

Result<SinkRecords> SinkJournal::load() {
  REGCRED_TRY_ASSIGN(SinkRecords records, load_sink_records(state_dir_));
  REGCRED_TRY_ASSIGN(io::Dir dir, io::open_dir(state_dir_, io::CreateDirs::yes));
  REGCRED_TRY_ASSIGN(auto content,
                     io::read_file(dir, io::state_folder::k_sinks_journal, k_max_state_size));
  if (!content) return records;
  std::string_view rest = content->text;
  for (auto nl = rest.find('\n'); nl != std::string_view::npos; nl = rest.find('\n')) {
    std::string_view line = rest.substr(0, nl);
    rest.remove_prefix(nl + 1);
    auto j = nlohmann::json::parse(line, nullptr, false);
    if (j.is_discarded() || !j.is_object()) continue;
    const auto sink = core::json_value(j, "sink", "");
    const auto op = core::json_value(j, "op", "");
    const auto key = core::json_value(j, "key", "");
    const auto fp = core::json_value(j, "fp", "");
    if (sink.empty() || fp.empty()) continue;
    if (op == "+") {
      records[sink][key].insert(fp);
    } else if (op == "-") {
      auto s = records.find(sink);
      if (s == records.end()) continue;
      auto k = s->second.find(key);
      if (k == s->second.end()) continue;
      k->second.erase(fp);
      if (k->second.empty()) s->second.erase(k);
    }
  }
  return records;
}

Result<void> SinkJournal::append(const std::string& sink, const OwnedKeys& added,
                                 const OwnedKeys& removed) {
  const std::string where = state_dir_ + "/" + std::string(io::state_folder::k_sinks_journal);
  if (!fd_) REGCRED_TRY(open(false));
  std::string text;
  auto lines = [&](const OwnedKeys& keys, const char* op) {
    for (const auto& [key, fps] : keys) {
      for (const auto& fp : fps) {
        text +=
            core::json_text(nlohmann::json{{"sink", sink}, {"op", op}, {"key", key}, {"fp", fp}});
        text += '\n';
        ++lines_;
      }
    }
  };
  lines(added, "+");
  lines(removed, "-");
  std::string_view rest = text;
  while (!rest.empty()) {
    const ssize_t n = ::write(fd_.get(), rest.data(), rest.size());
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) {
      const int e = errno;
      fd_ = io::Fd();  // reopened next time
      return fail(Code::io_error, "append " + where + ": " + std::strerror(e));
    }
    rest.remove_prefix(static_cast<std::size_t>(n));
  }
  if (!added.empty() && ::fdatasync(fd_.get()) != 0) {
    const int e = errno;
    fd_ = io::Fd();
    return fail(Code::io_error, "fdatasync " + where + ": " + std::strerror(e));
  }
  return ok();
}

Result<void> SinkJournal::compact(const SinkRecords& records) {
  REGCRED_TRY(save_sink_records(state_dir_, records));
  REGCRED_TRY(open(true));
  lines_ = 0;
  return ok();
}

Result<void> prepare_state_dir(const std::string& state_dir) {
  REGCRED_TRY_ASSIGN(io::Dir dir, io::open_dir(state_dir, io::CreateDirs::yes));
  (void)dir;
  return ok();
}

}  // namespace regcred::sync
