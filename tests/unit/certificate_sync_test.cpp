// The certificate lifecycle, sync_item: the upstream state becomes status, certificate and
// expiry, each written once.
// Every case asserts the exact upstream requests and the exact BILLmanager calls, in order.
#include <doctest/doctest.h>

#include "certificate_service_fixture.h"
#include "core/base64.h"
#include "core/zip.h"

using namespace pmtest;

TEST_CASE("sync: pending sets status 4 once") {
    World w;
    opened(w, 4);

    w.service.sync(42);
    CHECK(w.api.calls == Lines{"get 1001"});
    CHECK(w.host.journal() == Lines{status(4)});

    w.clear();
    w.service.sync(42);
    CHECK(w.api.calls == Lines{"get 1001"});
    CHECK(w.host.journal().empty());
}

TEST_CASE("sync: issued saves the certificate, expiry and status, opens it once") {
    struct Case {
        const char* name;
        pmb::IssuedFile file;
        std::string save_call;
    };
    const std::string zip = pmb::base64_encode(
        pmb::make_zip({{"www.example.com.crt", data_file("certificate/leaf.pem")},
                       {"www.example.com.ca.crt", data_file("certificate/ca.pem")}}));
    const Case cases[] = {
        {"PEM", delivered(kPem), "certificate.save elid=42 crt[secret]=" + kPem + " sok=ok"},
        // unpacked, so the certificate is checked before it is saved
        {"zip", delivered(zip), "certificate.save elid=42 crt[secret]=" + kPem + " sok=ok"},
    };
    for (const auto& c : cases) {
        SUBCASE(c.name) {
            World w;
            opened(w, 5);
            w.api.files["1001"] = c.file;

            w.service.sync(42);

            CHECK(w.api.calls == Lines{"get 1001", "download 1001"});
            CHECK(w.host.journal() == Lines{
                                          c.save_call,
                                          expire("2026-03-01"),
                                          status(5),
                                          "certificate.open elid=42 sok=ok",
                                          save("certificate_opened", "yes"),
                                      });
            CHECK(w.item().certificate.crt == kPem);

            w.clear();
            w.service.sync(42);
            CHECK(w.api.calls == Lines{"get 1001"});
            CHECK(w.host.journal().empty());
        }
    }
}

TEST_CASE("sync: every delivered form saves the leaf of the CSR's key, its chain leaf-first") {
    const std::string leaf = data_file("certificate/chain/leaf.pem");
    const std::string intermediate = data_file("certificate/chain/intermediate.pem");
    const std::string root = data_file("certificate/chain/root.pem");
    const std::string p7b = data_file("certificate/chain/chain.p7b");
    const std::string other = data_file("certificate/chain/other_key.pem");
    struct Case {
        const char* name;
        pmb::IssuedFile file;
    };
    const Case cases[] = {
        {"list: .p7b and .crt rows",
         {{{"example_com.p7b", pmb::base64_encode(p7b)}, {"example.com.crt", leaf}}}},
        {"list: another key's certificate first",
         {{{"a.crt", other}, {"b.crt", leaf + root}, {"c.crt", intermediate}}}},
        {"DER PKCS#7 download", {{{"", p7b}}}},
        {"zip of a .p7b and .crt files",
         delivered(pmb::make_zip({{"example_com.p7b", p7b}, {"example.com.crt", leaf}}))},
    };
    for (const Case& c : cases) {
        SUBCASE(c.name) {
            World w(with_csr(base_item(), data_file("certificate/leaf.csr")));
            opened(w, 5);
            w.api.files["1001"] = c.file;
            w.service.sync(42);
            CHECK(w.api.calls == Lines{"get 1001", "download 1001"});
            REQUIRE_FALSE(w.host.journal().empty());
            CHECK(w.host.journal().at(0) ==
                  "certificate.save elid=42 crt[secret]=" + leaf + intermediate + root + " sok=ok");
        }
    }
}

TEST_CASE("sync: failed upstream sets certificate.failed and status 6 once") {
    World w;
    opened(w, 6);

    w.service.sync(42);
    CHECK(w.api.calls == Lines{"get 1001"});
    CHECK(w.host.journal() == Lines{"certificate.failed elid=42 sok=ok", status(6)});

    w.clear();
    w.service.sync(42);
    CHECK(w.host.journal().empty());
}

TEST_CASE("sync: a certificate deleted upstream is a state error, with no write-back") {
    struct Case {
        const char* name;
        std::function<void(World&)> change;
    };
    const Case cases[] = {
        {"upstream item_status 4", [](World& w) { w.api.certs["1001"].item_status = 4; }},
        {"upstream says not found", [](World& w) { w.api.certs.clear(); }},
    };
    for (const auto& c : cases) {
        SUBCASE(c.name) {
            World w;
            opened(w, 5);
            c.change(w);

            auto [type, object] = error_of([&] { w.service.sync(42); });

            CHECK(type == pmb::errtype::kState);
            CHECK(object == "upstream_id");
            CHECK(w.api.calls == Lines{"get 1001"});
            CHECK(w.host.journal().empty());
        }
    }
}

TEST_CASE("sync: other upstream failures propagate, with no write-back") {
    World w;
    expect_upstream_failure_untouched(w, "get", Failure::kTransport, [&] { w.service.sync(42); });
}

TEST_CASE("sync: a service never ordered upstream is a missed error, with no upstream call") {
    World w;
    expect_refused_untouched(
        w, [&] { w.service.sync(42); }, "missed", "upstream_id");
}

TEST_CASE("sync: no readable status, the certificate file decides, once per sync") {
    World w;
    opened(w, 0);
    w.api.files["1001"] = delivered("");  // no certificate yet: pending
    w.service.sync(42);
    CHECK(w.api.calls == Lines{"get 1001", "download 1001"});
    CHECK(w.host.journal() == Lines{status(4)});

    w.clear();
    w.api.files["1001"] = delivered(kPem);
    w.service.sync(42);
    CHECK(w.api.calls == Lines{"get 1001", "download 1001"});
    CHECK(w.host.journal() ==
          Lines{"certificate.save elid=42 crt[secret]=" + kPem + " sok=ok", expire("2026-03-01"),
                status(5), "certificate.open elid=42 sok=ok", save("certificate_opened", "yes")});

    w.clear();  // issued here already: no more downloads
    w.service.sync(42);
    CHECK(w.api.calls == Lines{"get 1001"});
    CHECK(w.host.journal().empty());
}

TEST_CASE("sync: a certificate for another domain, or junk, is refused and not saved") {
    World w;
    opened(w, 5);
    w.host.at(42).params["CN"] = "other.org";
    w.api.files["1001"] = delivered(kPem);
    auto [type, object] = error_of([&] { w.service.sync(42); });
    CHECK(type == pmb::errtype::kBadResponse);
    CHECK(object == "crt");
    CHECK(w.host.journal().empty());

    w.clear();
    w.host.at(42).params["CN"] = "www.example.com";
    w.api.files["1001"] =
        delivered("-----BEGIN CERTIFICATE-----\nbm90IGEgY2VydA==\n-----END CERTIFICATE-----\n");
    CHECK(error_of([&] { w.service.sync(42); }).first == pmb::errtype::kBadResponse);
    CHECK(w.host.journal().empty());
}

TEST_CASE("sync: with a key made upstream the client gets a zip of certificate, chain, key") {
    World w;
    opened(w, 5);
    const std::string key = data_file("certificate/leaf.key");
    w.host.at(42).params["private_key"] = key;
    w.api.files["1001"] = delivered(kPem + key);  // the key sent back again is left out
    w.service.sync(42);
    std::string expected = pmb::base64_encode(
        pmb::make_zip({{"www.example.com.crt", data_file("certificate/leaf.pem")},
                       {"www.example.com.ca-bundle", data_file("certificate/ca.pem")},
                       {"www.example.com.key", key}}));
    CHECK(w.host.journal().at(0) ==
          "certificate.save elid=42 crt[secret]=" + expected + " crt_type=zip sok=ok");
}
