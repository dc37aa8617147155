// The certificate lifecycle, open: the order (with a local CSR or an upstream-made key),
// adopting an order whose reply was lost, refusals before any upstream call, crash points.
// Every case asserts the exact upstream requests and the exact BILLmanager calls, in order.
#include <doctest/doctest.h>

#include <map>
#include <optional>
#include <vector>

#include "certificate_service_fixture.h"

using namespace pmtest;

TEST_CASE("open: happy path with a CSR orders once and writes back in order") {
    std::string csr = make_csr("www.example.com");
    Item item = with_csr(base_item(), csr);
    item.params["org_name"] = "Example LLC";
    item.params["org_inn"] = "7700000000";
    item.params["org_empty"] = "";
    World w(item);

    w.service.open(42);

    CHECK(w.api.calls == Lines{"order", "get 1001"});
    CHECK(w.host.journal() == Lines{
                                  save("order_attempt", sending(w, kOrdered)),
                                  save("upstream_id", "1001"),
                                  save("csr_sha256", csr_der_sha256(csr)),
                                  status(3),
                                  post("open"),
                                  status(4),
                              });
    REQUIRE(w.api.orders.size() == 1);
    const auto& r = w.api.orders[0];
    CHECK(r.pricelist == "1042");
    CHECK(r.period_months == 12);
    CHECK(r.remoteid == "42");
    CHECK(r.csr == csr);
    CHECK(r.subject.cn == "www.example.com");
    CHECK(r.altnames == "");
    CHECK(r.country == "182");
    pmb::Contact admin{"Ivan", "Petrov", "CTO", "ivan@example.com", "+7 999 123-45-67", "182"};
    CHECK(r.admin == admin);
    CHECK(r.tech == admin);  // no tech contact: like the admin
    CHECK(r.org == std::vector<std::pair<std::string, std::string>>{{"org_inn", "7700000000"},
                                                                    {"org_name", "Example LLC"}});
    CHECK(r.approval.method == "auth_email");
    CHECK(r.approval.emails == Lines{"admin@www.example.com"});
    Item after = w.item();
    CHECK(after.status == 2);
    CHECK(after.param("upstream_id") == "1001");
    CHECK(after.param("order_attempt") == sending(w, kOrdered));
}

TEST_CASE("open: the order request takes its fields from the item") {
    struct Case {
        const char* name;
        std::function<void(Item&)> change;
        std::function<void(const pmb::OrderRequest&)> check;
    };
    const Case cases[] = {
        {"pricelist from the tariff's upstream_pricelist", [](Item&) {},
         [](const auto& r) { CHECK(r.pricelist == "1042"); }},
        {"pricelist falls back to the tariff intname", [](Item& i) { i.pricelist_params.clear(); },
         [](const auto& r) { CHECK(r.pricelist == "sectigo-positivessl"); }},
        {"period in months", [](Item& i) { i.period = 24; },
         [](const auto& r) { CHECK(r.period_months == 24); }},
        {"a tech contact of its own",
         [](Item& i) {
             i.params["tech_fname"] = "Olga";
             i.params["tech_lname"] = "Sidorova";
             i.params["tech_email"] = "olga@example.com";
             i.params["tech_phone"] = "+7 900 000-00-00";
             i.params["tech_phone_country"] = "3";
         },
         [](const auto& r) {
             CHECK(r.tech == pmb::Contact{"Olga", "Sidorova", "", "olga@example.com",
                                          "+7 900 000-00-00", "3"});
             CHECK(r.admin.email == "ivan@example.com");
         }},
        {"approver method other than e-mail needs no addresses",
         [](Item& i) {
             i.params["approver_method"] = "auth_dnstxt";
             i.params.erase("approver_email");
         },
         [](const auto& r) {
             CHECK(r.approval.method == "auth_dnstxt");
             CHECK(r.approval.emails.empty());
         }},
    };
    for (const auto& c : cases) {
        SUBCASE(c.name) {
            Item item = with_csr(base_item(), make_csr("www.example.com"));
            c.change(item);
            World w(item);
            w.service.open(42);
            REQUIRE(w.api.orders.size() == 1);
            c.check(w.api.orders[0]);
        }
    }
}

TEST_CASE("open: IDN CN and SANs are ordered in punycode") {
    Item item = base_item();
    item.pricelist_params["multidomain"] = "on";
    item.params["CN"] = "Пример.РФ";
    item.params["altname"] = "почта.пример.рф, пример.рф";  // the CN again is dropped
    item.params["approver_email"] =
        "admin@xn--e1afmkfd.xn--p1ai admin@xn--80a1acny.xn--e1afmkfd.xn--p1ai";
    World w(item);

    w.service.open(42);

    REQUIRE(w.api.orders.size() == 1);
    CHECK(w.api.orders[0].subject.cn == "xn--e1afmkfd.xn--p1ai");
    CHECK(w.api.orders[0].altnames == "xn--80a1acny.xn--e1afmkfd.xn--p1ai");
    CHECK(w.api.orders[0].approval.emails.size() == 2);
}

namespace {

std::string save_key(const std::string& key) {
    return "service.saveparam elid=42 name=private_key value[secret]=" + key + " crypted=on sok=ok";
}

Item without_csr() {
    Item item = base_item();
    item.params["O"] = "Example LLC";
    item.params["OU"] = "IT";
    item.params["L"] = "Moscow";
    item.params["ST"] = "Moscow";
    item.params["emailAddress"] = "ssl@example.com";
    return item;
}

}  // namespace

TEST_CASE("open: without a CSR the upstream makes the key pair, saved crypted before the order") {
    World w(without_csr());

    w.service.open(42);

    REQUIRE(w.api.generated.size() == 1);
    const auto& pair = w.api.generated[0];
    CHECK(w.api.calls == Lines{"generate_key", "order", "get 1001"});
    CHECK(w.host.journal() == Lines{
                                  save_key(pair.key),
                                  save("order_attempt", sending(w, kOrdered)),
                                  save("upstream_id", "1001"),
                                  status(3),
                                  post("open"),
                                  status(4),
                              });
    REQUIRE(w.api.orders.size() == 1);
    const auto& r = w.api.orders[0];
    CHECK(r.csr == pair.csr);
    CHECK(r.key == pair.key);
    CHECK(r.subject.cn == "www.example.com");
    CHECK(r.subject.o == "Example LLC");
    CHECK(r.subject.ou == "IT");
    CHECK(r.subject.l == "Moscow");
    CHECK(r.subject.st == "Moscow");
    CHECK(r.subject.email == "ssl@example.com");
    CHECK(w.item().param("private_key") == pair.key);
}

TEST_CASE("open: the upstream-made key survives a lost order reply; the retry adopts, keeps it") {
    World w(without_csr());
    w.api.fail("order", Failure::kTransport, /*after_commit=*/true);

    CHECK_THROWS_AS(w.service.open(42), UpstreamError);
    REQUIRE(w.api.orders.size() == 1);
    const std::string ordered_key = w.api.orders[0].key;
    CHECK(w.item().param("private_key") == ordered_key);

    w.clear();
    w.service.open(42);

    CHECK(w.api.calls == Lines{"list", "get 1001"});  // no new key, no new order
    CHECK(w.item().param("private_key") == ordered_key);
    CHECK(w.item().param("upstream_id") == "1001");
}

TEST_CASE("open: an unusable upstream key pair is refused; nothing saved, nothing ordered") {
    struct Case {
        const char* name;
        std::function<void(World&)> spoil;
        const char* type;
    };
    const Case cases[] = {
        {"the key is not the CSR's", [](World& w) { w.api.mismatched_pair = true; },
         pmb::errtype::kBadResponse},
        {"the key step fails", [](World& w) { w.api.fail("generate_key", Failure::kTransport); },
         pmb::errtype::kConnection},
    };
    for (const Case& c : cases) {
        CAPTURE(c.name);
        World w(without_csr());
        c.spoil(w);
        auto [type, object] = error_of([&] { w.service.open(42); });
        CHECK(type == c.type);
        CHECK(w.api.calls == Lines{"generate_key"});
        CHECK(w.api.orders.empty());
        CHECK(w.host.journal().empty());
    }
}

TEST_CASE("open: a rerun after success makes no upstream call and no write-back") {
    World w(with_csr(base_item(), make_csr("www.example.com")));
    w.service.open(42);
    w.clear();

    w.service.open(42);

    CHECK(w.api.calls.empty());
    CHECK(w.host.journal().empty());
    CHECK(w.api.orders.size() == 1);
}

TEST_CASE("open: an issued-at-once certificate is recorded by the first sync") {
    World w(with_csr(base_item(), data_file("certificate/leaf.csr")));  // leaf.pem's key
    w.api.new_service_status = 5;
    w.api.files["1001"] = delivered(kPem);

    w.service.open(42);

    CHECK(w.api.calls == Lines{"order", "get 1001", "download 1001"});
    Lines journal = w.host.journal();
    REQUIRE(journal.size() == 9);
    CHECK(journal[3] == status(3));
    CHECK(journal[4] == post("open"));
    CHECK(journal[5] == "certificate.save elid=42 crt[secret]=" + std::string(kPem) + " sok=ok");
    CHECK(journal[6] == status(5));
    CHECK(journal[7] == "certificate.open elid=42 sok=ok");
    CHECK(journal[8] == save("certificate_opened", "yes"));
}

TEST_CASE("open: a certificate for another key than the CSR's is not recorded as issued") {
    World w(with_csr(base_item(), make_csr("www.example.com")));
    w.api.new_service_status = 5;
    w.api.files["1001"] = delivered(kPem);  // leaf.pem: another key

    w.service.open(42);  // the order stands; the sync's refusal is only logged

    CHECK(w.api.calls == Lines{"order", "get 1001", "download 1001"});
    Lines journal = w.host.journal();
    REQUIRE(journal.size() == 5);
    CHECK(journal[3] == status(3));
    CHECK(journal[4] == post("open"));
    CHECK(w.item().certificate.crt.empty());
}

TEST_CASE("open: a failing first sync does not fail the open") {
    World w(with_csr(base_item(), make_csr("www.example.com")));
    w.api.fail("get", Failure::kTransport);

    w.service.open(42);

    CHECK(w.api.calls == Lines{"order", "get 1001"});
    Lines journal = w.host.journal();
    REQUIRE(journal.size() == 5);
    CHECK(journal[3] == status(3));
    CHECK(journal[4] == post("open"));
    CHECK(w.item().status == 2);
}

TEST_CASE("open: the reply to a committed order is lost; the next run adopts it") {
    std::string csr = make_csr("www.example.com");
    World w(with_csr(base_item(), csr));
    w.api.fail("order", Failure::kTransport, /*after_commit=*/true);

    CHECK_THROWS_AS(w.service.open(42), UpstreamError);
    CHECK(w.api.calls == Lines{"order"});
    CHECK(w.host.journal() == Lines{save("order_attempt", sending(w, kOrdered)),
                                    save("order_attempt", unknown(w, kOrdered))});
    CHECK(w.item().param("order_attempt") == unknown(w, kOrdered));
    CHECK(w.api.certs.size() == 1);

    w.clear();
    w.service.open(42);

    CHECK(w.api.calls == Lines{"list", "get 1001"});
    CHECK(w.host.journal() == Lines{
                                  save("upstream_id", "1001"),
                                  save("csr_sha256", csr_der_sha256(csr)),
                                  status(3),
                                  post("open"),
                                  status(4),
                              });
    CHECK(w.api.orders.size() == 1);
}

TEST_CASE("open: adoption matches by remoteid, else by CN + tariff + createdate") {
    struct Case {
        const char* name;
        bool expose_remoteid;
    };
    for (const Case& c : {Case{"list has remoteid", true}, Case{"list has no remoteid", false}}) {
        SUBCASE(c.name) {
            World w(with_csr(base_item(), make_csr("www.example.com")));
            w.api.expose_remoteid = c.expose_remoteid;
            // Listed before the real one; none of them is this item's order.
            w.api.certs["0901"] = decoy("0901", "www.example.com", "2000", today_utc(), "");
            w.api.certs["0902"] = decoy("0902", "shop.example.com", "1042", today_utc(), "");
            w.api.certs["0903"] = decoy("0903", "www.example.com", "1042", "2020-01-01", "");
            w.api.certs["0904"] =
                decoy("0904", "www.example.com", "1042", today_utc(), "42", /*deleted*/ 4);
            w.api.certs["0905"] = decoy("0905", "www.example.com", "1042", today_utc(), "41");
            if (!c.expose_remoteid)
                w.api.certs.erase("0905");  // would match by CN otherwise
            w.api.fail("order", Failure::kTransport, /*after_commit=*/true);
            CHECK_THROWS_AS(w.service.open(42), UpstreamError);
            w.clear();

            w.service.open(42);

            CHECK(w.api.calls == Lines{"list", "get 1001"});
            CHECK(w.item().param("upstream_id") == "1001");
            CHECK(w.api.orders.size() == 1);
        }
    }
}

TEST_CASE("open: an attempt that matches nothing upstream orders again, once") {
    World w(with_csr(base_item(), make_csr("www.example.com")));
    w.api.certs["0903"] = decoy("0903", "www.example.com", "1042", "2020-01-01", "");
    w.api.fail("order", Failure::kTransport);  // never reached the upstream
    CHECK_THROWS_AS(w.service.open(42), UpstreamError);
    CHECK(w.api.orders.empty());
    w.clear();

    w.service.open(42);

    CHECK(w.api.calls == Lines{"list", "order", "get 1001"});
    CHECK(w.host.journal().at(0) == save("order_attempt", sending(w, kOrdered)));
    CHECK(w.host.journal().at(1) == save("upstream_id", "1001"));
    CHECK(w.api.orders.size() == 1);
}

TEST_CASE("open: an order answered without a certificate id is found by remoteid at once") {
    World w(with_csr(base_item(), make_csr("www.example.com")));
    w.api.order_returns_id = false;
    w.service.open(42);
    CHECK(w.api.calls == Lines{"order", "list", "get 1001"});
    // marked unknown before the lookup: a lookup that fails leaves a retry that waits for it
    CHECK(w.host.journal().at(1) == save("order_attempt", unknown(w, kOrdered)));
    CHECK(w.host.journal().at(2) == save("upstream_id", "1001"));
    CHECK(w.api.orders.size() == 1);
}

TEST_CASE("open: an order accepted without an id and not listed yet is waited for") {
    World w(with_csr(base_item(), make_csr("www.example.com")));
    pmb::CertificateService patient{w.host,     w.api,   w.templates,
                                    kOperation, nullptr, w.settings(600)};
    w.api.order_returns_id = false;
    w.api.fail("list", Failure::kTransport);  // the lookup right after the order fails
    CHECK_THROWS_AS(patient.open(42), UpstreamError);
    CHECK(w.item().param("order_attempt") == unknown(w, kOrdered));
    const auto ordered = w.api.certs;  // the upstream has it,
    w.api.certs.clear();               // its list does not show it yet
    w.clear();
    CHECK(error_of([&] { patient.open(42); }).first == pmb::errtype::kUnknownOutcome);
    CHECK(w.api.calls == Lines{"list"});
    w.api.certs = ordered;
    w.clear();
    patient.open(42);
    CHECK(w.api.calls == Lines{"list", "get 1001"});
    CHECK(w.api.orders.size() == 1);
}

TEST_CASE("open: an order without an id whose lookup fails is adopted by the next run") {
    World w(with_csr(base_item(), make_csr("www.example.com")));
    w.api.order_returns_id = false;
    w.api.fail("list", Failure::kTransport);
    CHECK_THROWS_AS(w.service.open(42), UpstreamError);
    CHECK_FALSE(w.item().has_param("upstream_id"));
    w.api.heal();
    w.clear();
    w.service.open(42);
    CHECK(w.api.calls == Lines{"list", "get 1001"});
    CHECK(w.item().param("upstream_id") == "1001");
    CHECK(w.api.orders.size() == 1);
}

TEST_CASE("open: exactly one upstream order for every crash point") {
    struct CrashPoint {
        const char* name;
        std::function<void(World&)> inject;
    };
    const CrashPoint points[] = {
        {"order lost before reaching the upstream",
         [](World& w) { w.api.fail("order", Failure::kTransport); }},
        {"order committed, reply lost",
         [](World& w) { w.api.fail("order", Failure::kTransport, true); }},
        {"order committed, reply is not an API document",
         [](World& w) { w.api.fail("order", Failure::kBadResponse, true); }},
        {"order committed, 502 from a proxy",
         [](World& w) {
             w.api.fail("order", FakeApi::Fault{Failure::kHttp, true, 502, 1});
         }},
        {"saving upstream_id fails",
         [](World& w) { w.host.fail_on("service.saveparam", "name=upstream_id"); }},
        {"saving csr_sha256 fails",
         [](World& w) { w.host.fail_on("service.saveparam", "name=csr_sha256"); }},
        {"setstatus 3 fails",
         [](World& w) { w.host.fail_on("service.setstatus", "service_status=3"); }},
        {"postopen fails", [](World& w) { w.host.fail_on("service.postopen"); }},
    };
    for (bool remoteid : {true, false}) {
        SUBCASE(remoteid ? "list has remoteid" : "list has no remoteid") {
            for (const auto& point : points) {
                SUBCASE(point.name) {
                    World w(with_csr(base_item(), make_csr("www.example.com")));
                    w.api.expose_remoteid = remoteid;
                    point.inject(w);
                    CHECK_THROWS_AS(w.service.open(42), pmb::Error);
                    w.api.heal();
                    w.host.heal();
                    w.api.order_returns_id = true;

                    w.service.open(42);
                    w.clear();
                    w.service.open(42);  // and once more: nothing left to do

                    CHECK(w.api.calls.empty());
                    CHECK(w.host.journal().empty());
                    CHECK(w.api.orders.size() == 1);
                    CHECK(w.api.certs.size() == 1);
                    Item after = w.item();
                    CHECK(after.param("upstream_id") == "1001");
                    CHECK(after.status == 2);
                    CHECK(after.param("service_status") == "4");
                }
            }
        }
    }
}

TEST_CASE("open: a definite refusal drops order_attempt; an unknown outcome keeps it") {
    struct Case {
        const char* name;
        Failure failure;
        long http_status;
        bool dropped;
    };
    const Case cases[] = {
        {"not enough balance", Failure::kBalance, 0, true},
        {"wrong credentials", Failure::kAuth, 0, true},
        {"API error document", Failure::kApi, 0, true},
        {"second factor required", Failure::kTwoFactor, 0, true},
        // A proxy may answer 4xx after passing the order on: decided from a read, as a lost reply.
        {"HTTP 403", Failure::kHttp, 403, false},
        {"transport failure", Failure::kTransport, 0, false},
        {"not an API document", Failure::kBadResponse, 0, false},
        {"HTTP 503", Failure::kHttp, 503, false},
    };
    for (const auto& c : cases) {
        SUBCASE(c.name) {
            World w(with_csr(base_item(), make_csr("www.example.com")));
            w.api.fail("order", FakeApi::Fault{c.failure, false, c.http_status, 1});

            try {
                w.service.open(42);
                FAIL("open must rethrow the upstream error");
            } catch (const UpstreamError& e) {
                // a refusal as it came; anything else says the outcome is unknown
                CHECK(e.failure() == (c.dropped ? c.failure : Failure::kTransport));
                if (!c.dropped)
                    CHECK(e.type() == pmb::errtype::kUnknownOutcome);
            }

            CHECK(w.api.calls == Lines{"order"});
            Lines expected{save("order_attempt", sending(w, kOrdered))};
            expected.push_back(c.dropped ? drop("order_attempt")
                                         : save("order_attempt", unknown(w, kOrdered)));
            CHECK(w.host.journal() == expected);
            CHECK(w.item().has_param("order_attempt") == !c.dropped);

            // The retry looks upstream only when the outcome was unknown.
            w.clear();
            w.service.open(42);
            CHECK(w.api.calls.at(0) == (c.dropped ? "order" : "list"));
            CHECK(w.api.orders.size() == 1);
        }
    }
}

TEST_CASE("open: an invalid order is refused before any upstream call or write-back") {
    struct Case {
        const char* name;
        std::function<void(Item&)> change;
        const char* type;
        const char* object;
    };
    const Case cases[] = {
        {"CSR is not a CSR",
         [](Item& i) {
             i.certificate.csr =
                 "-----BEGIN CERTIFICATE REQUEST-----\nAAAA\n-----END CERTIFICATE REQUEST-----\n";
         },
         "value", "csr"},
        {"CSR signature does not verify",
         [](Item& i) {
             CsrSpec spec;
             spec.cn = "www.example.com";
             spec.tamper = true;
             i.certificate.csr = make_csr(spec);
         },
         "value", "csr"},
        {"CSR CN differs from the ordered CN",
         [](Item& i) { i.certificate.csr = make_csr("other.example.com"); }, "value", "CN"},
        {"CSR SANs differ from the ordered SANs",
         [](Item& i) {
             i.pricelist_params["multidomain"] = "on";
             i.params["altname"] = "a.example.com b.example.com";
             i.params["approver_email"] = "x@example.com x@example.com x@example.com";
             i.certificate.csr =
                 make_csr("www.example.com", {"www.example.com", "a.example.com", "c.example.com"});
         },
         "value", "altname"},
        {"wildcard on a non-wildcard tariff",
         [](Item& i) {
             i.pricelist_params["wildcard"] = "off";
             i.params["CN"] = "*.example.com";
         },
         "value", "CN"},
        {"wildcard SAN on a non-wildcard tariff",
         [](Item& i) {
             i.pricelist_params["multidomain"] = "on";
             i.pricelist_params["wildcard"] = "off";
             i.params["altname"] = "*.example.com";
             i.params["approver_email"] = "x@example.com x@example.com";
         },
         "value", "CN"},
        {"SANs on a single-domain tariff",
         [](Item& i) {
             i.pricelist_params["multidomain"] = "off";
             i.params["altname"] = "mail.example.com";
             i.params["approver_email"] = "x@example.com x@example.com";
         },
         "value", "altname"},
        {"no admin e-mail", [](Item& i) { i.params.erase("adm_email"); }, "missed", "adm_email"},
        {"empty admin phone", [](Item& i) { i.params["adm_phone"] = ""; }, "missed", "adm_phone"},
        {"an unknown validation method",
         [](Item& i) { i.params["approver_method"] = "auth_cname"; }, "value", "approver_method"},
        {"a file validation protocol other than on or off",
         [](Item& i) {
             i.params["approver_method"] = "auth_file";
             i.params["auth_file_protocol"] = "https";
         },
         "value", "auth_file_protocol"},
        {"a domain without an approver sharing no registrable domain with one that has",
         [](Item& i) {
             i.pricelist_params["multidomain"] = "on";
             i.params["altname"] = "a.example.com b.example.org";
             i.params["approver_email"] = "x@example.com, y@example.com";
         },
         "missed", "approver_email"},
        {"no approver e-mail at all", [](Item& i) { i.params.erase("approver_email"); }, "missed",
         "approver_email"},
        {"no CN and no CSR", [](Item& i) { i.params.erase("CN"); }, "missed", "CN"},
        {"CN is not a domain name", [](Item& i) { i.params["CN"] = "www example.com"; }, "value",
         "domain"},
        {"no period", [](Item& i) { i.period = 0; }, "value", "period"},
        {"tariff with neither upstream id nor intname",
         [](Item& i) {
             i.pricelist_params.clear();
             i.pricelist_intname.clear();
         },
         "missed", "upstream_pricelist"},
    };
    for (const auto& c : cases) {
        SUBCASE(c.name) {
            Item item = base_item();
            c.change(item);
            World w(item);

            expect_refused_untouched(
                w, [&] { w.service.open(42); }, c.type, c.object);
        }
    }
}

TEST_CASE("open: an item with upstream_id that is not active yet is finished, not reordered") {
    World w;
    opened(w, 4);
    w.host.at(42).status = 1;
    w.host.at(42).params.erase("service_status");

    w.service.open(42);

    CHECK(w.api.calls == Lines{"get 1001"});
    CHECK(w.host.journal() == Lines{status(3), post("open"), status(4)});
}

// A run that dies after the order but before csr_sha256 is written must not make the next
// reissue send crt_type=manual with the unchanged CSR.
TEST_CASE("open: a crash before csr_sha256 is saved still records it") {
    std::string csr = make_csr("www.example.com");
    World w(with_csr(base_item(), csr));
    w.host.fail_on("service.saveparam", "name=csr_sha256");
    CHECK_THROWS_AS(w.service.open(42), pmb::Error);
    w.host.heal();
    w.service.open(42);
    CHECK(w.item().param("csr_sha256") == csr_der_sha256(csr));
    w.service.reissue(42);
    REQUIRE(w.api.reissues.size() == 1);
    CHECK(w.api.reissues[0].second.crt_type == "oldrequest");
}

namespace {

// The upstream's export, as the lifecycle's TariffCatalog port sees it.
struct ListedCatalog : pmb::TariffCatalog {
    std::vector<pmb::ExportedTariff> tariffs;
    std::optional<UpstreamError> failure;
    Lines asked;  // the only_id of each export asked for

    void each_tariff(const pmb::TariffVisitor& visit, const std::string& only_id) override {
        asked.push_back(only_id);
        if (failure)
            throw *failure;
        for (const auto& tariff : tariffs)
            visit(tariff);
    }
};

pmb::ExportedTariff exported(const std::string& id, const std::string& wildcard) {
    pmb::ExportedTariff tariff;
    tariff.id = id;
    tariff.itemtype = "certificate";
    tariff.properties = {{"wildcard", wildcard}, {"multidomain", "off"}};
    return tariff;
}

}  // namespace

TEST_CASE("open: a capability nothing describes is asked of the upstream's export of that tariff") {
    struct Case {
        std::string name;
        std::string cn;
        std::map<std::string, std::string> settings;  // the tariff's own, beside upstream_pricelist
        std::vector<pmb::ExportedTariff> export_lists;
        bool export_fails;
        Lines asked;   // the export asked for
        bool ordered;  // else refused as value/CN before anything is written
        bool cached;   // the template the export gave is cached for the next order
    };
    const std::vector<Case> cases = {
        {"the export allows it: ordered, template cached",
         "*.example.com",
         {},
         {exported("1042", "on")},
         false,
         {"1042"},
         true,
         true},
        {"the export forbids it: refused",
         "*.example.com",
         {},
         {exported("1042", "off")},
         false,
         {"1042"},
         false,
         true},
        {"an export that ignores the filter: the tariff is picked out",
         "*.example.com",
         {},
         {exported("9", "off"), exported("1042", "on")},
         false,
         {"1042"},
         true,
         true},
        {"the export does not list it: the upstream decides",
         "*.example.com",
         {},
         {exported("9", "off")},
         false,
         {"1042"},
         true,
         false},
        {"the export fails: the upstream decides",
         "*.example.com",
         {},
         {},
         true,
         {"1042"},
         true,
         false},
        {"the tariff's settings say: not asked",
         "*.example.com",
         {{"wildcard", "on"}},
         {},
         false,
         {},
         true,
         false},
        {"no capability needed: not asked", "www.example.com", {}, {}, false, {}, true, false},
    };
    for (const Case& c : cases) {
        CAPTURE(c.name);
        Item item = base_item();
        item.params["CN"] = c.cn;
        item.params["approver_email"] = "admin@example.com";
        item.pricelist_params.insert(c.settings.begin(), c.settings.end());
        FakeHost host;
        host.add(item);
        FakeApi api;
        pmb::TemplateCache templates(temp_dir() + "/templates.xml");
        ListedCatalog catalog;
        catalog.tariffs = c.export_lists;
        if (c.export_fails)
            catalog.failure = UpstreamError(UpstreamError::Failure::kTransport, "connection", "",
                                            "", "connection reset");
        pmb::CertificateService service(host, api, templates, kOperation, &catalog);

        if (c.ordered) {
            service.open(42);
            CHECK(api.orders.size() == 1);
        } else {
            auto [type, object] = error_of([&] { service.open(42); });
            CHECK(type == "value");
            CHECK(object == "CN");
            CHECK(api.calls.empty());
            CHECK(host.journal().empty());
        }
        CHECK(catalog.asked == c.asked);
        CHECK(templates.find("1042").has_value() == c.cached);
    }
}

TEST_CASE("open: a tariff the export described once is not asked again") {
    Item item = base_item();
    item.params["CN"] = "*.example.com";
    item.params["approver_email"] = "admin@example.com";
    pmb::TemplateCache templates(temp_dir() + "/templates.xml");
    ListedCatalog catalog;
    catalog.tariffs = {exported("1042", "on")};
    for (int run = 0; run < 2; ++run) {
        FakeHost host;
        host.add(item);
        FakeApi api;
        pmb::CertificateService(host, api, templates, kOperation, &catalog).open(42);
        CHECK(api.orders.size() == 1);
    }
    CHECK(catalog.asked == Lines{"1042"});  // the second order read the cache
}
