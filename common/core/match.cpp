#include "common/core/match.hpp"

#include <algorithm>
#include <functional>
#include <map>

#include "common/core/image_ref.hpp"
#include "common/core/url.hpp"

namespace regcred::core {
namespace {

Unexpected bad_pattern() {
  return fail(Code::invalid_argument, "syntax error in pattern");
}

// The UTF-8 sequence length at s[0] (1 for ASCII or an invalid byte), as Go steps runes.
std::size_t rune_len(std::string_view s) {
  const auto c = static_cast<unsigned char>(s[0]);
  std::size_t n = 1;
  if (c >= 0xF0)
    n = 4;
  else if (c >= 0xE0)
    n = 3;
  else if (c >= 0xC0)
    n = 2;
  return std::min(n, s.size());
}

// One rune of a character class, unescaped; advances `chunk`.
Result<std::string_view> get_esc(std::string_view& chunk) {
  if (chunk.empty() || chunk[0] == '-' || chunk[0] == ']') return bad_pattern();
  if (chunk[0] == '\\') {
    chunk.remove_prefix(1);
    if (chunk.empty()) return bad_pattern();
  }
  const auto n = rune_len(chunk);
  const auto r = chunk.substr(0, n);
  chunk.remove_prefix(n);
  if (chunk.empty()) return bad_pattern();
  return r;
}

// Go's path/filepath matchChunk: whether chunk matches a prefix of s; the rest of s on success.
Result<std::optional<std::string_view>> match_chunk(std::string_view chunk, std::string_view s) {
  bool failed = false;
  while (!chunk.empty()) {
    if (!failed && s.empty()) failed = true;
    switch (chunk[0]) {
      case '[': {
        std::string_view r;
        if (!failed) {
          const auto n = rune_len(s);
          r = s.substr(0, n);
          s.remove_prefix(n);
        }
        chunk.remove_prefix(1);
        bool negated = false;
        if (!chunk.empty() && chunk[0] == '^') {
          negated = true;
          chunk.remove_prefix(1);
        }
        bool matched = false;
        int nrange = 0;
        while (true) {
          if (!chunk.empty() && chunk[0] == ']' && nrange > 0) {
            chunk.remove_prefix(1);
            break;
          }
          REGCRED_TRY_ASSIGN(std::string_view lo, get_esc(chunk));
          std::string_view hi = lo;
          if (chunk[0] == '-') {
            chunk.remove_prefix(1);
            REGCRED_TRY_ASSIGN(hi, get_esc(chunk));
          }
          if (lo <= r && r <= hi) matched = true;
          ++nrange;
        }
        if (matched == negated) failed = true;
        break;
      }
      case '?':
        if (!failed) {
          if (s[0] == '/') failed = true;
          s.remove_prefix(rune_len(s));
        }
        chunk.remove_prefix(1);
        break;
      case '\\':
        chunk.remove_prefix(1);
        if (chunk.empty()) return bad_pattern();
        [[fallthrough]];
      default:
        if (!failed) {
          if (chunk[0] != s[0]) failed = true;
          s.remove_prefix(1);
        }
        chunk.remove_prefix(1);
    }
  }
  if (failed) return std::optional<std::string_view>{};
  return std::optional<std::string_view>{s};
}

// scanChunk: splits off leading stars and the chunk up to the next unescaped star.
void scan_chunk(std::string_view& pattern, bool& star, std::string_view& chunk) {
  star = false;
  while (!pattern.empty() && pattern[0] == '*') {
    pattern.remove_prefix(1);
    star = true;
  }
  bool in_range = false;
  std::size_t i = 0;
  for (; i < pattern.size(); ++i) {
    const char c = pattern[i];
    if (c == '\\') {
      if (i + 1 < pattern.size()) ++i;
    } else if (c == '[') {
      in_range = true;
    } else if (c == ']') {
      in_range = false;
    } else if (c == '*' && !in_range) {
      break;
    }
  }
  chunk = pattern.substr(0, i);
  pattern.remove_prefix(i);
}

}  // namespace

Result<bool> go_path_match(std::string_view pattern, std::string_view name) {
  while (!pattern.empty()) {
    bool star = false;
    std::string_view chunk;
    scan_chunk(pattern, star, chunk);
    if (star && chunk.empty()) return name.find('/') == std::string_view::npos;
    REGCRED_TRY_ASSIGN(auto rest, match_chunk(chunk, name));
    if (rest && (rest->empty() || !pattern.empty())) {
      name = *rest;
      continue;
    }
    if (star) {
      bool advanced = false;
      for (std::size_t i = 0; i < name.size() && name[i] != '/'; ++i) {
        REGCRED_TRY_ASSIGN(auto t, match_chunk(chunk, name.substr(i + 1)));
        if (t) {
          if (pattern.empty() && !t->empty()) continue;
          name = *t;
          advanced = true;
          break;
        }
      }
      if (advanced) continue;
    }
    // Go keeps scanning the rest of the pattern for syntax errors before reporting no match.
    while (!pattern.empty()) {
      scan_chunk(pattern, star, chunk);
      REGCRED_TRY(match_chunk(chunk, ""));
    }
    return false;
  }
  return name.empty();
}

namespace {

struct SchemelessUrl {
  std::vector<std::string> labels;
  std::string port;
  std::string path;
};

std::optional<SchemelessUrl> parse_schemeless(std::string_view s) {
  auto u = parse_url("https://" + std::string(s));
  if (!u) return std::nullopt;
  auto [host, port] = split_host_port(u->host);
  SchemelessUrl out;
  out.port = std::move(port);
  out.path = std::move(u->path);
  std::size_t start = 0;
  while (true) {
    const auto dot = host.find('.', start);
    out.labels.push_back(host.substr(start, dot - start));
    if (dot == std::string::npos) break;
    start = dot + 1;
  }
  return out;
}

bool urls_match(const SchemelessUrl& g, const SchemelessUrl& t) {
  if (g.port != t.port || g.labels.size() != t.labels.size()) return false;
  for (std::size_t i = 0; i < g.labels.size(); ++i) {
    auto m = go_path_match(g.labels[i], t.labels[i]);
    if (!m || !*m) return false;
  }
  return t.path.starts_with(g.path);
}

}  // namespace

struct KubeletKeyring::Entry {
  std::string key;
  std::vector<std::size_t> of;
  std::optional<SchemelessUrl> url;
};

bool kubelet_hosts_overlap(std::string_view a, std::string_view b) {
  const auto x = parse_schemeless(a);
  const auto y = parse_schemeless(b);
  if (!x || !y || x->port != y->port || x->labels.size() != y->labels.size()) return false;
  for (std::size_t i = 0; i < x->labels.size(); ++i) {
    auto xy = go_path_match(x->labels[i], y->labels[i]);
    auto yx = go_path_match(y->labels[i], x->labels[i]);
    if (!(xy && *xy) && !(yx && *yx)) return false;
  }
  return true;
}

bool kubelet_urls_match(std::string_view glob, std::string_view target) {
  const auto g = parse_schemeless(glob);
  const auto t = parse_schemeless(target);
  return g && t && urls_match(*g, *t);
}

std::optional<std::string> kubelet_normalize_key(std::string_view config_key) {
  std::string value(config_key);
  if (!value.starts_with("https://") && !value.starts_with("http://")) value = "https://" + value;
  auto u = parse_url(value);
  if (!u) return std::nullopt;
  std::string path = u->path;
  if (path.starts_with("/v2/") || path.starts_with("/v1/")) path = path.substr(3);
  if (!path.empty() && path != "/") return u->host + path;
  return u->host;
}

bool kubelet_is_default_registry(std::string_view image) {
  const auto slash = image.find('/');
  const auto first = image.substr(0, slash);
  if (first.empty()) return false;
  if (slash == std::string_view::npos) return true;
  if (first == "docker.io" || first == "index.docker.io") return true;
  return first.find_first_of(".:") == std::string_view::npos;
}

KubeletKeyring::KubeletKeyring(const std::vector<std::string>& config_keys) {
  // Keys deduplicated and reverse-sorted bytewise, as kubelet's index is.
  std::map<std::string, std::vector<std::size_t>, std::greater<>> by_key;
  for (std::size_t i = 0; i < config_keys.size(); ++i) {
    auto key = kubelet_normalize_key(config_keys[i]);
    if (!key) {
      skipped_.emplace_back(i, "not a URL kubelet can parse");
      continue;
    }
    by_key[*key].push_back(i);
  }
  entries_.reserve(by_key.size());
  // Each key is parsed once here rather than on every lookup.
  for (auto& [key, of] : by_key)
    entries_.push_back(Entry{key, std::move(of), parse_schemeless(key)});
}

KubeletKeyring::~KubeletKeyring() = default;
KubeletKeyring::KubeletKeyring(KubeletKeyring&&) noexcept = default;
KubeletKeyring& KubeletKeyring::operator=(KubeletKeyring&&) noexcept = default;

std::vector<KubeletKeyring::Match> KubeletKeyring::lookup(std::string_view image) const {
  std::vector<Match> out;
  if (const auto target = parse_schemeless(image)) {
    for (const auto& e : entries_)
      if (e.url && urls_match(*e.url, *target)) out.push_back(Match{e.key, e.of, false});
  }
  if (out.empty() && kubelet_is_default_registry(image)) {
    auto it = std::find_if(entries_.begin(), entries_.end(),
                           [](const Entry& e) { return e.key == k_kubelet_default_registry_key; });
    if (it != entries_.end()) out.push_back(Match{it->key, it->of, true});
  }
  return out;
}

std::string docker_convert_to_hostname(std::string_view s) {
  if (s.find("://") != std::string_view::npos) {
    if (auto u = parse_url(s); u && !u->hostname.empty()) {
      if (u->port.empty()) return u->hostname;
      if (u->hostname.find(':') != std::string::npos) return "[" + u->hostname + "]:" + u->port;
      return u->hostname + ":" + u->port;
    }
  }
  return std::string(s.substr(0, s.find('/')));
}

std::string docker_convert_to_hostname_pre2024(std::string_view s) {
  if (s.starts_with("http://"))
    s.remove_prefix(7);
  else if (s.starts_with("https://"))
    s.remove_prefix(8);
  return std::string(s.substr(0, s.find('/')));
}

std::string docker_auth_config_key(std::string_view host) {
  if (host == k_docker_hub_domain || host == k_docker_hub_legacy_domain)
    return std::string(k_docker_hub_auth_key);
  return std::string(host);
}

std::optional<std::string> docker_file_store_key(const std::vector<std::string>& keys,
                                                 std::string_view addr) {
  if (std::find(keys.begin(), keys.end(), addr) != keys.end()) return std::string(addr);
  for (const auto& k : keys)
    if (docker_convert_to_hostname(k) == addr) return k;
  return std::nullopt;
}

std::optional<std::string> containers_reference_error(std::string_view domain) {
  if (domain.starts_with('[')) return std::string("invalid reference format");
  return std::nullopt;
}

Result<std::vector<std::string>> containers_lookup_order(std::string_view key,
                                                         bool legacy_dockercfg) {
  const std::string k(key);
  if (key.starts_with("http://") || key.starts_with("https://"))
    return fail(Code::invalid_argument, "key " + k + " contains http[s]:// prefix");
  if (key.find('@') != std::string_view::npos)
    return fail(Code::invalid_argument, "key " + k + " contains a '@' character");
  const auto slash = key.find('/');
  if (slash != std::string_view::npos && key.find(':', slash) != std::string_view::npos)
    return fail(Code::invalid_argument, "key " + k + " contains a ':' character after host[:port]");
  std::vector<std::string> out;
  if (legacy_dockercfg || slash == std::string_view::npos) {
    out.emplace_back(key.substr(0, slash));
    return out;
  }
  std::string_view cur = key;
  while (true) {
    out.emplace_back(cur);
    const auto last = cur.rfind('/');
    if (last == std::string_view::npos) break;
    cur = cur.substr(0, last);
  }
  return out;
}

std::string containers_normalize_registry(std::string_view registry) {
  if (registry == "docker.io" || registry == "registry-1.docker.io") return "index.docker.io";
  return std::string(registry);
}

std::string containers_normalize_auth_file_key(std::string_view key, bool legacy_dockercfg) {
  std::string_view stripped = key;
  if (stripped.starts_with("http://"))
    stripped.remove_prefix(7);
  else if (stripped.starts_with("https://"))
    stripped.remove_prefix(8);
  if (legacy_dockercfg || stripped != key) stripped = stripped.substr(0, stripped.find('/'));
  return containers_normalize_registry(stripped);
}

std::optional<std::string> containers_file_key(const std::vector<std::string>& keys,
                                               std::string_view repo_key, bool legacy_dockercfg) {
  auto order = containers_lookup_order(repo_key, legacy_dockercfg);
  if (!order) return std::nullopt;
  for (const auto& candidate : *order)
    if (std::find(keys.begin(), keys.end(), candidate) != keys.end()) return candidate;
  const auto registry = containers_normalize_registry(repo_key.substr(0, repo_key.find('/')));
  for (const auto& k : keys)
    if (containers_normalize_auth_file_key(k, legacy_dockercfg) == registry) return k;
  return std::nullopt;
}

}  // namespace regcred::core
