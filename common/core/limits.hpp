// limits.hpp: bounds on what comes from outside, beyond the byte sizes each reader sets. Past a
// bound the input is rejected with a message that names the bound; nothing is half-applied.
#pragma once

#include <cstddef>
#include <string_view>

namespace regcred::core {

// Nesting of JSON arrays and objects. Kubernetes objects, docker config files, registry answers
// and helper requests are a handful of levels deep; nlohmann parses any depth, but printing a
// document (a user's config.json keeps its other keys) recurses once per level, and 100,000
// levels fit in a 200 KiB file.
inline constexpr std::size_t k_max_json_depth = 64;

// The API server refuses a Secret whose data exceed 1 MiB; a manifest in --secrets-dir gets the
// same bound.
inline constexpr std::size_t k_max_secret_data = 1U << 20U;

// One line of a watch stream is one event, one object: a Secret holds at most 1 MiB of data
// (1.4 MiB as base64).
inline constexpr std::size_t k_max_watch_line = 8U << 20U;

// Registries in one pull secret. kubectl writes one; a hand-made secret for a fleet of mirrors
// may hold dozens. Every entry costs a line in each node file and in the lookup index.
inline constexpr std::size_t k_max_registries_per_secret = 1000;

// Whether the JSON text nests arrays and objects deeper than `limit`. Brackets inside strings do
// not count; the text need not be valid JSON (the parser decides that).
bool json_deeper_than(std::string_view text, std::size_t limit = k_max_json_depth);

}  // namespace regcred::core
