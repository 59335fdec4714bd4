// published.hpp: what regcred-publisher writes and regcredd reads in the publish namespace, the
// contract between the two: the label nodes select, the origin annotations, and the label of a
// namespace-scoped copy (for that namespace's pods only, never for the node-wide files).
#pragma once

#include <string_view>

namespace regcred::core {

inline constexpr std::string_view k_published_label = "regcred.io/published";
inline constexpr std::string_view k_published_label_selector = "regcred.io/published=true";
inline constexpr std::string_view k_origin_annotation = "regcred.io/origin";
inline constexpr std::string_view k_origin_uid_annotation = "regcred.io/origin-uid";
inline constexpr std::string_view k_origin_rv_annotation = "regcred.io/origin-resource-version";
// Value: the namespace whose pods the copy serves (policy.yaml's namespaceScoped).
inline constexpr std::string_view k_serves_namespace_label = "regcred.io/serves-namespace";
// What a node in published mode puts in its node-wide files.
inline constexpr std::string_view k_node_wide_selector = "!regcred.io/serves-namespace";

}  // namespace regcred::core
