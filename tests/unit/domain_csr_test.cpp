// Domain names (IDN to punycode, registrable domain, approver addresses) and CSR parsing.
#include <doctest/doctest.h>

#include "fakes.h"
#include "lifecycle/csr.h"
#include "lifecycle/domain.h"

using namespace pmtest;

namespace {

Lines mailboxes_at(const std::string& domain) {
    return {"admin@" + domain, "administrator@" + domain, "hostmaster@" + domain,
            "postmaster@" + domain, "webmaster@" + domain};
}

Lines concat(std::initializer_list<Lines> parts) {
    Lines out;
    for (const auto& p : parts)
        out.insert(out.end(), p.begin(), p.end());
    return out;
}

// The same CSR with its base64 re-wrapped at another width: the same DER.
std::string rewrap(const std::string& pem, size_t width) {
    const std::string begin = "-----BEGIN CERTIFICATE REQUEST-----\n";
    const std::string end = "-----END CERTIFICATE REQUEST-----\n";
    std::string body;
    for (char ch : pem.substr(begin.size(), pem.size() - begin.size() - end.size()))
        if (ch != '\n')
            body += ch;
    std::string out = begin;
    for (size_t i = 0; i < body.size(); i += width)
        out += body.substr(i, width) + "\n";
    return out + end;
}

}  // namespace

TEST_CASE("domain_to_ascii: punycode, lower case, wildcard kept, trailing dot dropped") {
    struct Case {
        const char* name;
        std::string in, out;
    };
    const Case cases[] = {
        {"ASCII stays", "www.example.com", "www.example.com"},
        {"upper case lowered", "WWW.Example.COM", "www.example.com"},
        {"trailing dot", "example.com.", "example.com"},
        {"IDN", "пример.рф", "xn--e1afmkfd.xn--p1ai"},
        {"upper-case IDN", "ПРИМЕР.РФ", "xn--e1afmkfd.xn--p1ai"},
        {"IDN subdomain", "почта.пример.рф", "xn--80a1acny.xn--e1afmkfd.xn--p1ai"},
        {"wildcard IDN", "*.пример.рф", "*.xn--e1afmkfd.xn--p1ai"},
        {"punycode stays", "xn--e1afmkfd.xn--p1ai", "xn--e1afmkfd.xn--p1ai"},
        {"German sharp s is not mapped to ss (non-transitional)", "straße.de", "xn--strae-oqa.de"},
    };
    for (const auto& c : cases) {
        SUBCASE(c.name) {
            CHECK(pmb::domain_to_ascii(c.in) == c.out);
        }
    }
}

TEST_CASE("domain_to_ascii: what is not a domain name is a value error") {
    const char* const cases[] = {
        "",
        ".",
        "*.",
        "www example.com",
        "user@example.com",
        "https://example.com",
        "example.com/path",
        "example.com:443",
        "-leading-hyphen.com",
        "xn--zz.com",                                                            // invalid punycode
        "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa.com",  // 64-char label
        "bad\xff.com",                                                           // not UTF-8
    };
    for (const char* in : cases) {
        SUBCASE(("'" + std::string(in) + "'").c_str()) {
            auto [type, object] = error_of([&] { pmb::domain_to_ascii(in); });
            CHECK(type == "value");
            CHECK(object == "domain");
        }
    }
}

// libidn2 passes '*' and empty labels through: they must not reach the upstream as domains.
TEST_CASE("domain_to_ascii: misplaced wildcards and empty labels are refused") {
    for (std::string in :
         {"*.*.example.com", "www.*.example.com", "example..com", "*example.com"}) {
        CAPTURE(in);
        CHECK_THROWS_AS(pmb::domain_to_ascii(in), pmb::Error);
    }
}

TEST_CASE("registrable domain follows the Public Suffix List") {
    CHECK(pmb::registrable_domain("a.b.example.co.uk") == "example.co.uk");
    CHECK(pmb::registrable_domain("www.example.com") == "example.com");
    CHECK(pmb::registrable_domain("xn--80a1acny.xn--e1afmkfd.xn--p1ai") == "xn--e1afmkfd.xn--p1ai");
    CHECK(pmb::registrable_domain("co.uk") == "co.uk");  // a public suffix: itself
}

TEST_CASE("approver addresses: the five mailboxes at each level down to the registrable domain") {
    struct Case {
        const char* name;
        std::string domain;
        Lines expected;
    };
    const Case cases[] = {
        {"stops at example.co.uk", "a.b.example.co.uk",
         concat({mailboxes_at("a.b.example.co.uk"), mailboxes_at("b.example.co.uk"),
                 mailboxes_at("example.co.uk")})},
        {"registrable domain itself", "example.com", mailboxes_at("example.com")},
        {"IDN in punycode", "почта.пример.рф",
         concat({mailboxes_at("xn--80a1acny.xn--e1afmkfd.xn--p1ai"),
                 mailboxes_at("xn--e1afmkfd.xn--p1ai")})},
        {"wildcard validated at its base", "*.shop.example.com",
         concat({mailboxes_at("shop.example.com"), mailboxes_at("example.com")})},
        {"wildcard on the registrable domain", "*.example.com", mailboxes_at("example.com")},
        {"upper case and trailing dot", "WWW.Example.com.",
         concat({mailboxes_at("www.example.com"), mailboxes_at("example.com")})},
    };
    for (const auto& c : cases) {
        SUBCASE(c.name) {
            CHECK(pmb::approver_addresses(c.domain) == c.expected);
        }
    }
    CHECK_THROWS_AS(pmb::approver_addresses("not a domain"), pmb::Error);
}

TEST_CASE("parse_csr: subject fields and DNS SANs") {
    CsrSpec spec;
    spec.cn = "www.example.com";
    spec.sans = {"www.example.com", "mail.example.com", "IP:192.0.2.1", "*.example.com"};
    spec.o = "Example LLC";
    spec.ou = "IT";
    spec.l = "Москва";
    spec.st = "Moscow";
    spec.c = "RU";
    spec.email = "ssl@example.com";

    pmb::CsrInfo info = pmb::parse_csr(make_csr(spec));

    CHECK(info.cn == "www.example.com");
    CHECK(info.sans == Lines{"www.example.com", "mail.example.com", "*.example.com"});
    CHECK(info.o == "Example LLC");
    CHECK(info.ou == "IT");
    CHECK(info.l == "Москва");
    CHECK(info.st == "Moscow");
    CHECK(info.c == "RU");
    CHECK(info.email == "ssl@example.com");
}

TEST_CASE("parse_csr: a CSR without SANs, and a Unicode CN") {
    pmb::CsrInfo info = pmb::parse_csr(make_csr("пример.рф"));
    CHECK(info.cn == "пример.рф");
    CHECK(info.sans.empty());
    CHECK(info.o.empty());
}

TEST_CASE("parse_csr: sha256 is of the DER, stable across PEM wrapping, distinct per CSR") {
    std::string csr = make_csr("www.example.com", {"www.example.com"});
    std::string hash = pmb::parse_csr(csr).sha256;
    CHECK(hash.size() == 64);
    CHECK(hash == csr_der_sha256(csr));
    CHECK(pmb::parse_csr(csr).sha256 == hash);
    CHECK(pmb::parse_csr(rewrap(csr, 76)).sha256 == hash);
    CHECK(pmb::parse_csr("leading text\n" + csr).sha256 == hash);
    // Same subject and SANs, another key: another CSR.
    CHECK(pmb::parse_csr(make_csr("www.example.com", {"www.example.com"})).sha256 != hash);
}

TEST_CASE("parse_csr: anything but a valid CSR is Error(value, csr)") {
    std::string good = make_csr("www.example.com");
    std::string as_certificate = good;
    for (const char* marker : {"BEGIN ", "END "}) {
        size_t pos = as_certificate.find(std::string(marker) + "CERTIFICATE REQUEST");
        as_certificate.replace(pos, std::string(marker).size() + 19,
                               std::string(marker) + "CERTIFICATE");
    }
    CsrSpec tampered{"www.example.com", {}, "", "", "", "", "", "", true};
    CsrSpec no_cn;
    no_cn.o = "Example LLC";
    struct Case {
        const char* name;
        std::string pem;
    };
    const Case cases[] = {
        {"empty", ""},
        {"plain text", "hello"},
        {"base64 without PEM armour", "MIIBIjANBgkqhkiG9w0BAQEFAAOCAQ8AMIIBCgKCAQEA"},
        {"garbage in the armour",
         "-----BEGIN CERTIFICATE REQUEST-----\nAAAA\n-----END CERTIFICATE REQUEST-----\n"},
        {"truncated", good.substr(0, good.size() / 2)},
        {"under a CERTIFICATE label", as_certificate},
        {"signature does not verify", make_csr(tampered)},
        {"no common name", make_csr(no_cn)},
    };
    for (const auto& c : cases) {
        SUBCASE(c.name) {
            auto [type, object] = error_of([&] { pmb::parse_csr(c.pem); });
            CHECK(type == "value");
            CHECK(object == "csr");
        }
    }
}
