// lookup_index.hpp: STATE/lookup.idx, the daemon's store laid out for the helpers' fallback.
// A helper exec'd while regcredd is down must answer in about the time it takes to start, so
// instead of parsing the whole credentials.json it scans lines and decodes only the entries
// that can answer:
//   regcred-lookup 1
//   <helper registry>\t<kubelet host glob>\t<entry JSON>
// one line per store entry; a field is empty when the key has no such form (a namespace key has
// no helper registry). The entry JSON holds key, username, password, identitytoken, rank, from.
// Pure: text in, text out.
#pragma once

#include <string>
#include <string_view>

#include "common/core/answer.hpp"

namespace regcred::core {

inline constexpr std::string_view k_lookup_index_header = "regcred-lookup 1\n";

std::string render_lookup_index(const CredentialTable& t);

// The entries `get server` chooses from. An error for a file that is not an index.
Result<CredentialTable> lookup_registry(std::string_view index, std::string_view server);
// The entries whose kubelet key can match `image` (its host matches, or the docker.io
// fallback key for a Docker Hub image): a provider answer over them equals one over the whole
// table.
Result<CredentialTable> lookup_image(std::string_view index, std::string_view image);

}  // namespace regcred::core
