// wire.hpp (private to daemon/api; includes Beast): one HTTP exchange on the status socket
// apart from the socket, shared by the socket sessions (server.cpp) and serve_bytes (the fuzz
// target's way in). Included by server.cpp and wire.cpp only.
#pragma once

#include <boost/beast/http.hpp>
#include <chrono>
#include <cstdint>

#include "daemon/api/server.hpp"

namespace regcred::api::wire {

namespace http = boost::beast::http;

inline constexpr std::uint64_t k_body_limit = 64U * 1024U;
inline constexpr std::uint32_t k_header_limit = 16U * 1024U;

using Parser = http::request_parser<http::string_body>;
using HttpResponse = http::response<http::string_body>;

// One request's parser, with the limits every session applies.
void limit(Parser& p);
bool too_large(const boost::beast::error_code& ec);
// 413, and the connection closes.
HttpResponse too_large_response();
// The handler's answer to a request from a peer that is privileged (root or the group) and root.
HttpResponse answer(const http::request<http::string_body>& req, bool privileged, bool root,
                    const Handler& handler);

}  // namespace regcred::api::wire
