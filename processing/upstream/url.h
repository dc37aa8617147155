// The upstream URL the admin typed, taken apart without touching the network.
#pragma once

#include <string>
#include <vector>

namespace pmb::upstream {

// scheme://host[:port] — no user info, path or query, so it is safe in any message.
// A URL without a scheme means https. Throws pmb::Error(value, "url") when it is not
// an http(s) URL with a host.
std::string url_origin(const std::string& url);

// The API endpoints to try, in order. A bare host (no path, or just "/") is
// {host/billmgr, host/manager/billmgr}; a URL with a path is used as given.
std::vector<std::string> endpoint_candidates(const std::string& url);

// Throws pmb::Error(value, "url") unless the URL is https (or has no scheme, which means
// https): over http:// the upstream password would travel in clear.
void require_https(const std::string& url);

}  // namespace pmb::upstream
