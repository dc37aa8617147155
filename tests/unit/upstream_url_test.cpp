// Which API endpoint a typed upstream URL stands for.
#include <doctest/doctest.h>

#include "core/error.h"
#include "upstream/url.h"

using namespace pmb;
using namespace pmb::upstream;
using Endpoints = std::vector<std::string>;

TEST_CASE("upstream url: a bare host tries /billmgr, then /manager/billmgr") {
    Endpoints expected{"https://api.ispmanager.com/billmgr",
                       "https://api.ispmanager.com/manager/billmgr"};
    CHECK(endpoint_candidates("https://api.ispmanager.com") == expected);
    CHECK(endpoint_candidates("https://api.ispmanager.com/") == expected);
    CHECK(endpoint_candidates("  https://api.ispmanager.com/ \n") == expected);
}

TEST_CASE("upstream url: a URL with a path is used as given") {
    CHECK(endpoint_candidates("https://api.ispsystem.com/manager/billmgr") ==
          Endpoints{"https://api.ispsystem.com/manager/billmgr"});
    CHECK(endpoint_candidates("http://127.0.0.1:8080/billmgr/") ==
          Endpoints{"http://127.0.0.1:8080/billmgr/"});
}

TEST_CASE("upstream url: no scheme means https; the port is kept") {
    CHECK(endpoint_candidates("api-eu.ispmanager.com:8443") ==
          Endpoints{"https://api-eu.ispmanager.com:8443/billmgr",
                    "https://api-eu.ispmanager.com:8443/manager/billmgr"});
}

TEST_CASE("upstream url: IPv6 literals keep their brackets and port") {
    CHECK(url_origin("https://[::1]:8443") == "https://[::1]:8443");
    CHECK(endpoint_candidates("https://[::1]:8443") ==
          Endpoints{"https://[::1]:8443/billmgr", "https://[::1]:8443/manager/billmgr"});
    CHECK(endpoint_candidates("https://user:secret@[2001:db8::7]/manager/billmgr?x=1") ==
          Endpoints{"https://[2001:db8::7]/manager/billmgr?x=1"});
    CHECK(url_origin("[::1]:8443") == "https://[::1]:8443");  // no scheme means https
    CHECK(url_origin("https://[fe80::1%25eth0]:443/billmgr") == "https://[fe80::1%25eth0]:443");
    CHECK_NOTHROW(require_https("https://[::1]:8443"));
    CHECK_THROWS_AS(require_https("http://[::1]:8080"), pmb::Error);
}

TEST_CASE("upstream url: a broken IPv6 literal is refused") {
    for (const char* url : {"https://[::1", "https://[::1:8443/billmgr", "https://[]:8443",
                            "https://[::1]8443", "https://[::1]x:1"}) {
        CAPTURE(url);
        CHECK_THROWS_AS(url_origin(url), pmb::Error);
    }
}

TEST_CASE("upstream url: the origin drops user info, path and query") {
    CHECK(url_origin("https://api.ispmanager.com/billmgr?func=x") == "https://api.ispmanager.com");
    CHECK(url_origin("HTTPS://user:secret@host.example:444/manager/billmgr") ==
          "https://host.example:444");
    CHECK(endpoint_candidates("https://user:secret@host.example/") ==
          Endpoints{"https://host.example/billmgr", "https://host.example/manager/billmgr"});
}

TEST_CASE("upstream url: only http and https with a host are accepted") {
    CHECK_THROWS_AS(url_origin("ftp://api.ispmanager.com"), pmb::Error);
    CHECK_THROWS_AS(url_origin("file:///etc/passwd"), pmb::Error);
    CHECK_THROWS_AS(url_origin("https://"), pmb::Error);
    CHECK_THROWS_AS(url_origin(""), pmb::Error);
}

TEST_CASE("upstream url: only https is allowed to carry the password") {
    CHECK_NOTHROW(require_https("https://api.ispmanager.com"));
    CHECK_NOTHROW(require_https("api.ispmanager.com"));  // no scheme means https
    CHECK_NOTHROW(require_https("HTTPS://api.ispmanager.com/billmgr"));
    try {
        require_https("http://user:secret@api.ispmanager.com/billmgr");
        FAIL("http:// was accepted");
    } catch (const pmb::Error& e) {
        CHECK(e.type() == pmb::errtype::kValue);
        CHECK(e.object() == "url");
        CHECK(e.message().find("must use https://") != std::string::npos);
        CHECK(e.message().find("secret") == std::string::npos);
    }
}
