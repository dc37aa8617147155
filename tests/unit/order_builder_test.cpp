// Building upstream requests from a local item: tariff capabilities, the ordered domains,
// approval, the order and the reissue. Pure functions: no host, no upstream.
#include <doctest/doctest.h>

#include <functional>
#include <optional>

#include "fakes.h"
#include "lifecycle/order_builder.h"

using pmb::Item;
using namespace pmtest;

TEST_CASE("known capability: the tariff's settings, then what its template states; never a guess") {
    using Template = std::optional<pmb::TariffTemplate>;
    const pmb::TariffTemplate stated{"116", {"wildcard"}, {}};
    const pmb::TariffTemplate guessed{"116", {"wildcard"}, {"wildcard", "multidomain"}};
    struct Case {
        const char* name;
        std::string intname;
        std::map<std::string, std::string> settings;
        Template tariff_template;
        std::optional<bool> wildcard, multidomain;
    };
    const Case cases[] = {
        {"nothing says: unknown, whatever the name",
         "positivessl-wildcard-multidomain",
         {},
         std::nullopt,
         std::nullopt,
         std::nullopt},
        {"settings say",
         "sectigo-dv",
         {{"wildcard", "on"}, {"multidomain", "off"}},
         std::nullopt,
         true,
         false},
        {"an empty setting says nothing",
         "sectigo-dv",
         {{"wildcard", ""}},
         std::nullopt,
         std::nullopt,
         std::nullopt},
        {"the template states both", "116", {}, stated, true, false},
        {"settings over the template", "116", {{"wildcard", "off"}}, stated, false, false},
        {"a guessed flag is unknown", "116", {}, guessed, std::nullopt, std::nullopt},
        {"settings over a guess", "116", {{"multidomain", "yes"}}, guessed, std::nullopt, true},
    };
    for (const auto& c : cases) {
        CAPTURE(c.name);
        Item item = base_item();
        item.pricelist_intname = c.intname;
        item.pricelist_params = c.settings;
        const pmb::ServiceView service(item, c.tariff_template);
        CHECK(service.known_capability("wildcard") == c.wildcard);
        CHECK(service.known_capability("multidomain") == c.multidomain);
    }
}

TEST_CASE("build_order: a wildcard the template only guessed is sent; one it states no refuses") {
    Item item = base_item();
    item.params["CN"] = "*.example.com";
    item.params["approver_email"] = "a@x.com";
    const pmb::TariffTemplate guessed{"1042", {}, {"wildcard"}};
    CHECK(pmb::build_order(pmb::ServiceView(item, guessed)).subject.cn == "*.example.com");
    const pmb::TariffTemplate stated{"1042", {}, {}};
    auto [type, object] = error_of([&] { pmb::build_order(pmb::ServiceView(item, stated)); });
    CHECK(type == "value");
    CHECK(object == "CN");
}

TEST_CASE("upstream pricelist: the tariff setting, else the intname, else missed") {
    Item item = base_item();
    CHECK(pmb::upstream_pricelist(item) == "1042");
    item.pricelist_params["upstream_pricelist"] = "";
    CHECK(pmb::upstream_pricelist(item) == "sectigo-positivessl");
    item.pricelist_intname.clear();
    auto [type, object] = error_of([&] { pmb::upstream_pricelist(item); });
    CHECK(type == "missed");
    CHECK(object == "upstream_pricelist");
}

TEST_CASE("ordered domains: punycode, CN first, SANs deduplicated in order") {
    Item item = base_item();
    item.params["CN"] = "WWW.Example.com";
    item.params["altname"] =
        "b.example.com,a.example.com\nпример.рф  b.example.com\twww.example.com";
    auto d = pmb::ServiceView(item).domains();
    CHECK(d.cn == "www.example.com");
    CHECK(d.altnames == Lines{"b.example.com", "a.example.com", "xn--e1afmkfd.xn--p1ai"});
    CHECK(d.altname_list() == "b.example.com a.example.com xn--e1afmkfd.xn--p1ai");
    CHECK(d.all() ==
          Lines{"www.example.com", "b.example.com", "a.example.com", "xn--e1afmkfd.xn--p1ai"});
}

TEST_CASE("ordered domains: the CN comes from the CSR when the item has none") {
    Item item = base_item();
    item.params.erase("CN");
    item.certificate.csr = make_csr("shop.example.com");
    CHECK(pmb::ServiceView(item).domains().cn == "shop.example.com");
}

TEST_CASE("approval: one address per domain by e-mail, none needed otherwise") {
    struct Case {
        const char* name;
        std::string method, emails;
        bool ok;
        Lines expected;
    };
    const Case cases[] = {
        {"default method is e-mail", "", "a@x.com b@x.com", true, {"a@x.com", "b@x.com"}},
        {"commas and newlines separate",
         "auth_email",
         "a@x.com,\nb@x.com",
         true,
         {"a@x.com", "b@x.com"}},
        {"a SAN without its own address takes the CN's (same registrable domain)",
         "auth_email",
         "a@x.com",
         true,
         {"a@x.com", "a@x.com"}},
        {"no address at all", "auth_email", "", false, {}},
        {"DNS needs no address", "auth_dnstxt", "", true, {}},
        {"DNS sends none even when given", "auth_dnstxt", "a@x.com b@x.com", true, {}},
        {"file needs no address", "auth_file", "", true, {}},
    };
    for (const auto& c : cases) {
        SUBCASE(c.name) {
            Item item = base_item();
            item.params["altname"] = "mail.example.com";
            if (!c.method.empty())
                item.params["approver_method"] = c.method;
            item.params["approver_email"] = c.emails;
            const pmb::ServiceView service(item);
            if (c.ok) {
                auto a = pmb::approval_of(service);
                CHECK(a.method == (c.method.empty() ? "auth_email" : c.method));
                CHECK(a.emails == c.expected);
            } else {
                auto [type, object] = error_of([&] { pmb::approval_of(service); });
                CHECK(type == "missed");
                CHECK(object == "approver_email");
            }
        }
    }
}

TEST_CASE("build_order: contacts, country and organisation fields") {
    Item item = base_item();
    item.params.erase("country");
    item.params["org_country"] = "182";
    item.params["org_name"] = "Example LLC";
    item.params["org_address"] = "";
    item.params["adm_phone_country"] = "7";
    item.params["tech_email"] = "noc@example.com";
    item.params["tech_fname"] = "Olga";

    auto r = pmb::build_order(pmb::ServiceView(item));

    CHECK(r.country == "182");  // from org_country
    CHECK(r.admin.phone_country == "7");
    CHECK(r.tech.email == "noc@example.com");
    CHECK(r.tech.fname == "Olga");
    CHECK(r.tech.phone_country == "");  // its own, not the admin's
    CHECK(r.org == std::vector<std::pair<std::string, std::string>>{{"org_country", "182"},
                                                                    {"org_name", "Example LLC"}});
    CHECK(r.remoteid == "42");
    CHECK(r.csr.empty());
}

TEST_CASE("build_order: a CSR must name exactly the ordered domains") {
    struct Case {
        const char* name;
        std::string cn, altname;
        std::function<std::string()> csr;
        bool ok;
    };
    const Case cases[] = {
        {"no SAN extension at all", "www.example.com", "a.example.com",
         [] { return make_csr("www.example.com"); }, true},
        {"SANs repeat the CN", "www.example.com", "a.example.com",
         [] {
             return make_csr("www.example.com", {"www.example.com", "a.example.com"});
         },
         true},
        {"SANs in another order, without the CN", "www.example.com", "a.example.com b.example.com",
         [] {
             return make_csr("www.example.com", {"b.example.com", "a.example.com"});
         },
         true},
        {"Unicode CN in the CSR, Unicode CN ordered", "пример.рф", "",
         [] { return make_csr("пример.рф"); }, true},
        {"punycode CN in the CSR, Unicode CN ordered", "пример.рф", "",
         [] { return make_csr("xn--e1afmkfd.xn--p1ai"); }, true},
        {"CN differs only in case", "www.example.com", "",
         [] { return make_csr("WWW.EXAMPLE.COM"); }, true},
        {"IP SAN is ignored", "www.example.com", "",
         [] {
             return make_csr("www.example.com", {"www.example.com", "IP:192.0.2.1"});
         },
         true},
        {"a SAN missing from the CSR", "www.example.com", "a.example.com b.example.com",
         [] { return make_csr("www.example.com", {"a.example.com"}); }, false},
        {"an extra SAN in the CSR", "www.example.com", "",
         [] {
             return make_csr("www.example.com", {"www.example.com", "x.example.com"});
         },
         false},
        {"another CN", "www.example.com", "", [] { return make_csr("example.com"); }, false},
    };
    for (const auto& c : cases) {
        SUBCASE(c.name) {
            Item item = base_item();
            item.pricelist_params["multidomain"] = "on";
            item.params["CN"] = c.cn;
            item.params["altname"] = c.altname;
            item.params["approver_email"] = "a@x.com a@x.com a@x.com";
            item.certificate.csr = c.csr();
            if (c.ok) {
                CHECK(pmb::build_order(pmb::ServiceView(item)).csr == item.certificate.csr);
            } else {
                CHECK(error_of([&] { pmb::build_order(pmb::ServiceView(item)); }).first == "value");
            }
        }
    }
}

TEST_CASE("build_order: a wildcard tariff takes a wildcard CN") {
    Item item = base_item();
    item.pricelist_intname = "sectigo-positivessl-wildcard";
    item.params["CN"] = "*.example.com";
    CHECK(pmb::build_order(pmb::ServiceView(item)).subject.cn == "*.example.com");
    item.certificate.csr = make_csr("*.example.com", {"*.example.com"});
    CHECK(pmb::build_order(pmb::ServiceView(item)).csr == item.certificate.csr);
}

// The usual wildcard CSR also lists the bare domain as a SAN (the CA includes it anyway).
TEST_CASE("build_order: a wildcard CSR that also names the bare domain is accepted") {
    Item item = base_item();
    item.pricelist_intname = "sectigo-positivessl-wildcard";
    item.params["CN"] = "*.example.com";
    item.certificate.csr = make_csr("*.example.com", {"*.example.com", "example.com"});
    CHECK_NOTHROW(pmb::build_order(pmb::ServiceView(item)));
}

TEST_CASE("attach_generated_key: only a pair for the ordered domain whose key is the CSR's") {
    using pmb::GeneratedKey;
    const GeneratedKey good = make_generated_key("www.example.com");
    const GeneratedKey other = make_generated_key("www.example.com");
    struct Case {
        const char* name;
        GeneratedKey pair;
        bool accepted;
    };
    const Case cases[] = {
        {"a matching pair", good, true},
        {"the key of another pair", {good.csr, other.key}, false},
        {"a CSR for another domain", make_generated_key("other.example.com"), false},
        {"no key", {good.csr, ""}, false},
        {"a key that is no key", {good.csr, "-----BEGIN PRIVATE KEY-----\nAAAA\n"}, false},
        {"a CSR that is no CSR", {"garbage", good.key}, false},
    };
    for (const Case& c : cases) {
        CAPTURE(c.name);
        pmb::OrderRequest order;
        order.subject.cn = "www.example.com";
        if (c.accepted) {
            pmb::attach_generated_key(order, c.pair);
            CHECK(order.csr == c.pair.csr);
            CHECK(order.key == c.pair.key);
            continue;
        }
        auto [type, object] = error_of([&] { pmb::attach_generated_key(order, c.pair); });
        CHECK(type == pmb::errtype::kBadResponse);
        CHECK(object == "certificate.order.csr");
        CHECK(order.csr.empty());
        CHECK(order.key.empty());
    }
}

TEST_CASE("build_reissue: manual beats altname beats oldrequest") {
    const std::string old_csr = make_csr("www.example.com");
    const std::string new_csr = make_csr("www.example.com");
    const std::string old_hash = csr_der_sha256(old_csr);
    struct Case {
        const char* name;
        std::function<void(Item&)> change;
        std::string crt_type;
    };
    const Case cases[] = {
        {"nothing changed", [](Item&) {}, "oldrequest"},
        {"no CSR at all (key generated upstream)", [](Item& i) { i.certificate.csr.clear(); },
         "oldrequest"},
        {"new CSR", [&](Item& i) { i.certificate.csr = new_csr; }, "manual"},
        {"altname changed", [](Item& i) { i.params["altname"] = "a.example.com"; }, "altname"},
        {"altname set but no old_altname recorded",
         [](Item& i) {
             i.params.erase("old_altname");
             i.params["altname"] = "a.example.com";
         },
         "oldrequest"},
    };
    for (const auto& c : cases) {
        SUBCASE(c.name) {
            Item item = base_item();
            item.pricelist_params["multidomain"] = "on";
            item.params["old_altname"] = "";
            item.params["approver_email"] = "a@x.com a@x.com";
            item.certificate.csr = old_csr;
            c.change(item);
            auto r = pmb::build_reissue(pmb::ServiceView(item), old_hash);
            CHECK(r.crt_type == c.crt_type);
            CHECK(r.csr == (c.crt_type == "manual" ? item.certificate.csr : ""));
            CHECK(r.altnames == (c.crt_type == "altname" ? "a.example.com" : ""));
            CHECK(r.approval.method == "auth_email");
            CHECK_FALSE(r.approval.emails.empty());
        }
    }
}

// A customer with their own key sends a new CSR carrying the new SANs: the new key must win.
TEST_CASE("build_reissue: a new CSR sent together with new altnames is not dropped") {
    Item item = base_item();
    item.pricelist_params["multidomain"] = "on";
    item.params["old_altname"] = "";
    item.params["altname"] = "a.example.com";
    item.params["approver_email"] = "a@x.com a@x.com";
    std::string old_csr = make_csr("www.example.com");
    item.certificate.csr = make_csr("www.example.com", {"www.example.com", "a.example.com"});
    auto r = pmb::build_reissue(pmb::ServiceView(item), csr_der_sha256(old_csr));
    CHECK(r.csr == item.certificate.csr);
}

TEST_CASE("build_order: refused only on evidence; www.<CN> never needs a multi-domain tariff") {
    Item item = base_item();  // "sectigo-positivessl": no settings, no cached import
    item.params["CN"] = "example.com";
    item.params["approver_email"] = "a@x.com a@x.com a@x.com";
    SUBCASE("unknown capability: the upstream decides") {
        item.params["altname"] = "shop.example.com";
        CHECK(pmb::build_order(pmb::ServiceView(item)).altnames == "shop.example.com");
        item.params["CN"] = "*.example.com";
        item.params["altname"] = "";
        CHECK_NOTHROW(pmb::build_order(pmb::ServiceView(item)));
    }
    SUBCASE("a tariff setting that says no refuses") {
        item.pricelist_params["multidomain"] = "off";
        item.params["altname"] = "shop.example.com";
        auto [type, object] = error_of([&] { pmb::build_order(pmb::ServiceView(item)); });
        CHECK(type == "value");
        CHECK(object == "altname");
    }
    SUBCASE("www.<CN> on a single-domain tariff is accepted") {
        item.pricelist_params["multidomain"] = "off";
        item.params["altname"] = "www.example.com";
        CHECK(pmb::build_order(pmb::ServiceView(item)).altnames == "www.example.com");
        item.params["CN"] = "www.example.com";
        item.params["altname"] = "example.com";
        CHECK_NOTHROW(pmb::build_order(pmb::ServiceView(item)));
    }
}

TEST_CASE(
    "approvers per domain: a domain past the list takes a listed one's by registrable domain") {
    struct Case {
        const char* name;
        Lines domains, emails;
        Lines expected;      // empty: refused
        std::string missed;  // the domain the refusal names
    };
    const Case cases[] = {
        {"one address per domain",
         {"example.com", "shop.example.org"},
         {"a@e.com", "b@e.org"},
         {"a@e.com", "b@e.org"},
         ""},
        {"www. SAN added: the CN's address",
         {"example.com", "www.example.com"},
         {"a@e.com"},
         {"a@e.com", "a@e.com"},
         ""},
        {"a deeper subdomain",
         {"shop.example.com", "a.b.example.com"},
         {"a@e.com"},
         {"a@e.com", "a@e.com"},
         ""},
        {"the first listed domain that matches",
         {"example.org", "example.com", "mail.example.com"},
         {"o@e.org", "c@e.com"},
         {"o@e.org", "c@e.com", "c@e.com"},
         ""},
        {"another registrable domain: refused, naming it",
         {"example.com", "example.net"},
         {"a@e.com"},
         {},
         "example.net"},
        {"a public suffix is no shared domain",
         {"a.co.uk", "b.co.uk"},
         {"a@a.co.uk"},
         {},
         "b.co.uk"},
        {"IDN (punycode): same registrable domain",
         {"xn--e1afmkfd.xn--p1ai", "www.xn--e1afmkfd.xn--p1ai"},
         {"admin@xn--e1afmkfd.xn--p1ai"},
         {"admin@xn--e1afmkfd.xn--p1ai", "admin@xn--e1afmkfd.xn--p1ai"},
         ""},
        {"IDN: another registrable domain",
         {"xn--e1afmkfd.xn--p1ai", "xn--d1acufc.xn--p1ai"},
         {"a@x.ru"},
         {},
         "xn--d1acufc.xn--p1ai"},
        {"wildcard CN covers its base's SANs",
         {"*.example.com", "example.com"},
         {"a@e.com"},
         {"a@e.com", "a@e.com"},
         ""},
        {"wildcard SAN takes the CN's",
         {"example.com", "*.example.com"},
         {"a@e.com"},
         {"a@e.com", "a@e.com"},
         ""},
        {"wildcard of another domain",
         {"example.com", "*.example.net"},
         {"a@e.com"},
         {},
         "*.example.net"},
        {"no address at all", {"example.com"}, {}, {}, "example.com"},
        {"more addresses than domains are kept",
         {"example.com"},
         {"a@e.com", "b@e.com"},
         {"a@e.com", "b@e.com"},
         ""},
    };
    for (const auto& c : cases) {
        CAPTURE(c.name);
        if (!c.expected.empty()) {
            CHECK(pmb::approvers_per_domain(c.domains, c.emails) == c.expected);
            continue;
        }
        try {
            pmb::approvers_per_domain(c.domains, c.emails);
            FAIL("not refused");
        } catch (const pmb::Error& e) {
            CHECK(e.type() == "missed");
            CHECK(e.object() == "approver_email");
            CHECK(e.value() == c.missed);
            CHECK(e.message().find(c.missed) != std::string::npos);
        }
    }
}

TEST_CASE("approval: the method passes through; an unknown one is refused as a value") {
    Item item = base_item();
    item.params["approver_method"] = "auth_file";
    CHECK(pmb::approval_of(pmb::ServiceView(item)).file_protocol == "off");
    item.params["auth_file_protocol"] = "on";
    auto file = pmb::approval_of(pmb::ServiceView(item));
    CHECK(file.method == "auth_file");
    CHECK(file.file_protocol == "on");
    CHECK(file.emails.empty());
    item.params["auth_file_protocol"] = "https";
    CHECK(error_of([&] { pmb::approval_of(pmb::ServiceView(item)); }) ==
          std::pair<std::string, std::string>{"value", "auth_file_protocol"});
    item.params["approver_method"] = "auth_dnstxt";
    CHECK(pmb::approval_of(pmb::ServiceView(item)).file_protocol.empty());
    item.params["approver_method"] = "auth_cname";
    CHECK(error_of([&] { pmb::build_order(pmb::ServiceView(item)); }) ==
          std::pair<std::string, std::string>{"value", "approver_method"});
}

TEST_CASE("build_reissue: a www. SAN added on reissue takes the CN's approver") {
    Item item = base_item();
    item.params["CN"] = "example.com";
    item.params["approver_email"] = "admin@example.com";
    item.params["altname"] = "www.example.com";
    item.params[pmb::param::kOldAltname] = "";
    auto r = pmb::build_reissue(pmb::ServiceView(item), "");
    CHECK(r.approval.emails == Lines{"admin@example.com", "admin@example.com"});
    item.params["altname"] = "www.example.com example.net";
    CHECK(error_of([&] { pmb::build_reissue(pmb::ServiceView(item), ""); }) ==
          std::pair<std::string, std::string>{"missed", "approver_email"});
}

TEST_CASE("approval: a DNS order on a tariff without DNS validation is refused before the order") {
    Item item = base_item();
    item.params["approver_method"] = "auth_dnstxt";
    item.pricelist_params["dcv_methods"] = "email";
    CHECK(error_of([&] { pmb::build_order(pmb::ServiceView(item)); }) ==
          std::pair<std::string, std::string>{"value", "approver_method"});
    pmb::TariffTemplate stated{"1042", {}, {}};
    stated.dns_validation = true;  // the export's word wins over the setting
    CHECK(pmb::approval_of(pmb::ServiceView(item, stated)).method == "auth_dnstxt");
    item.pricelist_params["dcv_methods"] = "email,dns";
    CHECK(pmb::approval_of(pmb::ServiceView(item)).method == "auth_dnstxt");
    item.params["approver_method"] = "auth_email";
    item.pricelist_params["dcv_methods"] = "dns";  // e-mail is always offered
    CHECK(pmb::approval_of(pmb::ServiceView(item)).method == "auth_email");
}
