#include "upstream/url.h"

#include <algorithm>
#include <cctype>

#include "core/error.h"
#include "core/text.h"

namespace pmb::upstream {
namespace {

struct UrlParts {
    std::string origin;  // scheme://host[:port]
    std::string rest;    // path, query and fragment as typed
};

Error bad_url(const std::string& why) {
    // The URL itself is not echoed: an admin may have typed credentials into it.
    return Error(errtype::kValue, "url", "", "the upstream URL " + why);
}

// An IPv6 host is a bracketed literal, followed by nothing or by a port: "[::1]:8443".
void require_whole_ipv6_literal(const std::string& authority) {
    if (authority.front() != '[')
        return;
    size_t close = authority.find(']');
    if (close == std::string::npos || close == 1)
        throw bad_url("has an IPv6 address without its closing ']'");
    if (close + 1 < authority.size() && authority[close + 1] != ':')
        throw bad_url("has text after its IPv6 address that is not a port");
}

UrlParts split_url(const std::string& typed) {
    std::string url(trim(typed));
    size_t scheme_end = url.find("://");
    std::string scheme =
        scheme_end == std::string::npos ? "https" : lowercase(url.substr(0, scheme_end));
    if (scheme != "https" && scheme != "http")
        throw bad_url("must start with https:// or http://");
    size_t authority_begin = scheme_end == std::string::npos ? 0 : scheme_end + 3;
    size_t authority_end = std::min(url.find_first_of("/?#", authority_begin), url.size());
    std::string authority = url.substr(authority_begin, authority_end - authority_begin);
    size_t at = authority.rfind('@');
    if (at != std::string::npos)
        authority.erase(0, at + 1);  // user info never travels on
    if (authority.empty() || authority.front() == ':')
        throw bad_url("has no host name");
    require_whole_ipv6_literal(authority);
    return {scheme + "://" + authority, url.substr(authority_end)};
}

}  // namespace

void require_https(const std::string& url) {
    if (url_origin(url).rfind("https://", 0) != 0)
        throw bad_url("must use https:// (over http:// the password would travel in clear)");
}

std::string url_origin(const std::string& url) {
    return split_url(url).origin;
}

std::vector<std::string> endpoint_candidates(const std::string& url) {
    UrlParts parts = split_url(url);
    if (parts.rest.empty() || parts.rest == "/")
        return {parts.origin + "/billmgr", parts.origin + "/manager/billmgr"};
    return {parts.origin + parts.rest};
}

}  // namespace pmb::upstream
