#include "daemon/sources/dir_source.hpp"

#include <sys/inotify.h>
#include <sys/stat.h>

#include <algorithm>
#include <array>
#include <boost/asio/io_context.hpp>
#include <boost/asio/posix/stream_descriptor.hpp>
#include <boost/asio/steady_timer.hpp>
#include <chrono>
#include <filesystem>
#include <map>

#include "common/io/log.hpp"
#include "common/io/safe_file.hpp"
#include "common/io/time_text.hpp"

namespace regcred::daemon {
namespace asio = boost::asio;
namespace {

constexpr std::size_t k_max_manifest_size = 4U << 20U;
constexpr auto k_settle = std::chrono::milliseconds(10);

bool wanted(const std::string& name) {
  if (name.empty() || name[0] == '.') return false;
  return name.ends_with(".yaml") || name.ends_with(".yml") || name.ends_with(".json");
}

}  // namespace

struct DirSource::Impl {
  struct FileState {
    struct timespec mtime {};
    off_t size = -1;
    ino_t ino = 0;
    std::vector<core::SecretManifest> secrets;  // last good parse
    std::vector<std::string> problems;
    std::string error;  // the last read failed: secrets are from before
  };

  Impl(asio::io_context& io, SourceEvents& ev, std::string d, std::vector<std::string> ns,
       core::LabelSelector sel)
      : events(ev),
        dir(std::move(d)),
        namespaces(std::move(ns)),
        selector(std::move(sel)),
        stream("dir:" + dir),
        inotify(io),
        settle(io) {}

  SourceEvents& events;
  std::string dir;
  std::vector<std::string> namespaces;
  core::LabelSelector selector;
  std::string stream;
  asio::posix::stream_descriptor inotify;
  asio::steady_timer settle;
  std::array<char, 16384> buf{};
  std::map<std::string, FileState> files;
  std::string error;
  bool synced = false;
  bool stopped = false;
  std::uint64_t scans = 0;
  std::optional<std::chrono::system_clock::time_point> last_scan;

  bool selected(const core::SecretManifest& s) const {
    if (!namespaces.empty() &&
        std::find(namespaces.begin(), namespaces.end(), s.namespace_) == namespaces.end()) {
      return false;
    }
    return selector.matches(s.labels);
  }

  void start() {
    int fd = ::inotify_init1(IN_NONBLOCK | IN_CLOEXEC);
    if (fd < 0) {
      error = std::string("inotify_init1: ") + std::strerror(errno);
    } else {
      inotify.assign(fd);
      int wd =
          ::inotify_add_watch(fd, dir.c_str(),
                              IN_CLOSE_WRITE | IN_MOVED_TO | IN_MOVED_FROM | IN_DELETE | IN_CREATE |
                                  IN_ATTRIB | IN_DELETE_SELF | IN_MOVE_SELF | IN_ONLYDIR);
      if (wd < 0) error = "watch " + dir + ": " + std::strerror(errno);
      read_events();
    }
    scan();
  }

  void read_events() {
    inotify.async_read_some(asio::buffer(buf), [this](boost::system::error_code ec, std::size_t n) {
      if (ec || stopped) return;
      bool gone = false;
      for (std::size_t off = 0; off + sizeof(inotify_event) <= n;) {
        inotify_event ev{};
        std::memcpy(&ev, buf.data() + off, sizeof ev);
        if ((ev.mask & (IN_DELETE_SELF | IN_MOVE_SELF | IN_IGNORED)) != 0) gone = true;
        off += sizeof(inotify_event) + ev.len;
      }
      if (gone) {
        error = "the folder " + dir + " was removed or moved; its secrets are kept";
        io::log_error("secrets folder went away; keeping its secrets", {{"dir", dir}});
        return;
      }
      settle.expires_after(k_settle);
      settle.async_wait([this](boost::system::error_code e) {
        if (!e && !stopped) scan();
      });
      read_events();
    });
  }

  void scan() {
    std::error_code ec;
    std::map<std::string, FileState> next;
    std::vector<std::string> names;
    for (const auto& entry : std::filesystem::directory_iterator(dir, ec)) {
      std::string name = entry.path().filename().string();
      if (wanted(name)) names.push_back(name);
    }
    if (ec) {
      error = "read " + dir + ": " + ec.message();
      io::log_error("cannot read the secrets folder; keeping its secrets",
                    {{"dir", dir}, {"error", ec.message()}});
      return;
    }
    std::sort(names.begin(), names.end());
    for (const auto& name : names) {
      std::string path = dir + "/" + name;
      struct stat st {};
      FileState fs;
      auto old = files.find(name);
      if (old != files.end()) fs = old->second;
      if (::stat(path.c_str(), &st) != 0) continue;  // went away meanwhile
      if (!S_ISREG(st.st_mode)) continue;
      bool same = fs.size == st.st_size && fs.ino == st.st_ino &&
                  fs.mtime.tv_sec == st.st_mtim.tv_sec && fs.mtime.tv_nsec == st.st_mtim.tv_nsec;
      if (!same) read_file(path, name, st, fs);
      next[name] = std::move(fs);
    }
    files = std::move(next);
    error.clear();
    std::vector<core::SecretManifest> all;
    std::map<std::string, std::string> seen;  // ns/name -> file
    for (auto& [name, fs] : files) {
      for (const auto& s : fs.secrets) {
        if (!selected(s)) continue;
        auto [it, inserted] = seen.emplace(s.display_name(), name);
        if (!inserted) {
          io::log_warning("secret defined twice; the first file wins",
                          {{"secret", s.display_name()}, {"file", name}, {"first", it->second}});
          continue;
        }
        all.push_back(s);
      }
    }
    ++scans;
    last_scan = std::chrono::system_clock::now();
    events.replace(stream, std::move(all));
    if (!synced) {
      synced = true;
      events.synced(stream);
    }
  }

  void read_file(const std::string& path, const std::string& name, const struct stat& st,
                 FileState& fs) {
    fs.mtime = st.st_mtim;
    fs.size = st.st_size;
    fs.ino = st.st_ino;
    auto text = io::read_whole_file(path, k_max_manifest_size);
    if (!text) {
      fs.error = text.error().message;
      io::log_error("cannot read a manifest; keeping its last secrets",
                    {{"file", path}, {"error", fs.error}});
      return;
    }
    auto parsed = core::parse_secret_manifests(*text, name);
    if (!parsed) {
      fs.error = parsed.error().message;
      io::log_error("manifest does not parse; keeping its last secrets",
                    {{"file", path}, {"error", fs.error}});
      return;
    }
    fs.error.clear();
    fs.problems.clear();
    for (const auto& p : parsed->problems) {
      fs.problems.push_back(p.message);
      io::log_warning("manifest document skipped", {{"file", path}, {"error", p.message}});
    }
    fs.secrets.clear();
    for (auto& s : parsed->secrets) {
      if (s.namespace_.empty()) s.namespace_ = "default";
      fs.secrets.push_back(std::move(s));
    }
    io::log_debug("read manifest",
                  {{"file", path}, {"secrets", std::to_string(fs.secrets.size())}});
  }

  nlohmann::json status() const {
    nlohmann::json files_j = nlohmann::json::array();
    for (const auto& [name, fs] : files) {
      nlohmann::json f = {{"file", name}, {"secrets", fs.secrets.size()}};
      if (!fs.error.empty()) f["error"] = fs.error;
      if (!fs.problems.empty()) f["problems"] = fs.problems;
      files_j.push_back(std::move(f));
    }
    nlohmann::json j = {{"name", stream},     {"kind", "dir"},  {"dir", dir},
                        {"synced", synced},   {"scans", scans}, {"files", std::move(files_j)},
                        {"ok", error.empty()}};
    if (last_scan) j["lastSync"] = io::rfc3339(*last_scan);
    if (!error.empty()) j["error"] = error;
    return j;
  }
};

DirSource::DirSource(asio::io_context& io, SourceEvents& events, std::string dir,
                     std::vector<std::string> namespaces, core::LabelSelector selector)
    : impl_(std::make_unique<Impl>(io, events, std::move(dir), std::move(namespaces),
                                   std::move(selector))) {}
DirSource::~DirSource() = default;
void DirSource::start() {
  impl_->start();
}
void DirSource::stop() {
  impl_->stopped = true;
  impl_->settle.cancel();
  boost::system::error_code ec;
  impl_->inotify.close(ec);
}
std::string DirSource::name() const {
  return impl_->stream;
}
std::vector<std::string> DirSource::streams() const {
  return {impl_->stream};
}
nlohmann::json DirSource::status() const {
  return impl_->status();
}
void DirSource::rescan() {
  if (!impl_->stopped) impl_->scan();
}

}  // namespace regcred::daemon
