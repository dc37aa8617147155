// The certificate lifecycle, reissue (reopen): altname, manual or oldrequest, and refusals.
// Every case asserts the exact upstream requests and the exact BILLmanager calls, in order.
#include <doctest/doctest.h>

#include "certificate_service_fixture.h"

using namespace pmtest;

// BILLmanager 6 finishes a reissue with it (ISPsystem's GlobalSign module), before status 3.
const std::string kPostReopen = "service.postreopen elid=42 sok=ok";

TEST_CASE("reissue: chooses altname, manual or oldrequest; never touches the key") {
    const std::string csr_a = make_csr("www.example.com");
    const std::string csr_b = make_csr("www.example.com");
    struct Case {
        const char* name;
        std::function<void(Item&)> change;
        std::string crt_type, csr, altnames;
        Lines journal;
        Lines emails;
    };
    const Case cases[] = {
        {"nothing changed: oldrequest",
         [](Item&) {},
         "oldrequest",
         "",
         "",
         {kPostReopen, status(3)},
         {"admin@www.example.com"}},
        {"new CSR: manual",
         [&](Item& i) { i.certificate.csr = csr_b; },
         "manual",
         csr_b,
         "",
         {save("csr_sha256", csr_der_sha256(csr_b)), kPostReopen, status(3)},
         {"admin@www.example.com"}},
        {"altname changed: altname, in punycode",
         [](Item& i) {
             i.pricelist_params["multidomain"] = "on";
             i.params["old_altname"] = "a.example.com";
             i.params["altname"] = "a.example.com пример.рф";
             i.params["approver_email"] =
                 "x@www.example.com x@a.example.com x@xn--e1afmkfd.xn--p1ai";
         },
         "altname",
         "",
         "a.example.com xn--e1afmkfd.xn--p1ai",
         {save("old_altname", "a.example.com пример.рф"), kPostReopen, status(3)},
         {"x@www.example.com", "x@a.example.com", "x@xn--e1afmkfd.xn--p1ai"}},
        {"altname as before: oldrequest",
         [](Item& i) {
             i.pricelist_params["multidomain"] = "on";
             i.params["old_altname"] = "a.example.com";
             i.params["altname"] = "a.example.com";
             i.params["approver_email"] = "x@www.example.com x@a.example.com";
         },
         "oldrequest",
         "",
         "",
         {kPostReopen, status(3)},
         {"x@www.example.com", "x@a.example.com"}},
    };
    for (const auto& c : cases) {
        SUBCASE(c.name) {
            Item item = with_csr(base_item(), csr_a);
            item.params["csr_sha256"] = csr_der_sha256(csr_a);
            item.certificate.crt = kPem;
            item.certificate.pkey = "-----BEGIN PRIVATE KEY-----\nCUSTOMER\n";
            World w(item);
            opened(w, 5);
            c.change(w.host.at(42));

            w.service.reissue(42);

            CHECK(w.api.calls == Lines{"reissue 1001"});
            REQUIRE(w.api.reissues.size() == 1);
            const auto& r = w.api.reissues[0].second;
            CHECK(r.crt_type == c.crt_type);
            CHECK(r.csr == c.csr);
            CHECK(r.altnames == c.altnames);
            CHECK(r.approval.method == "auth_email");
            CHECK(r.approval.emails == c.emails);
            std::string requested = c.crt_type;
            if (!c.csr.empty())
                requested += ";" + csr_der_sha256(c.csr);
            Lines journal{save("reissue_attempt", kOperation + ";" + requested)};
            journal.insert(journal.end(), c.journal.begin(), c.journal.end());
            journal.push_back(save("reissue_attempt", kOperation + ";done"));
            CHECK(w.host.journal() == journal);
            for (const auto& call : w.host.calls) {
                CHECK(call.arg("name") != "private_key");
                CHECK_FALSE(call.has_arg("pkey"));
            }
            CHECK(w.item().certificate.pkey == item.certificate.pkey);
        }
    }
}

TEST_CASE("reissue: refused before any upstream call when it cannot be right") {
    struct Case {
        const char* name;
        std::function<void(Item&)> change;
        const char* type;
        const char* object;
    };
    const Case cases[] = {
        {"never ordered", [](Item& i) { i.params.erase("upstream_id"); }, "missed", "upstream_id"},
        {"new CSR for another domain",
         [](Item& i) { i.certificate.csr = make_csr("other.example.com"); }, "value", "CN"},
        {"new CSR is garbage", [](Item& i) { i.certificate.csr = "-----BEGIN nonsense"; }, "value",
         "csr"},
        {"too few approver e-mails", [](Item& i) { i.params.erase("approver_email"); }, "missed",
         "approver_email"},
    };
    for (const auto& c : cases) {
        SUBCASE(c.name) {
            Item item = with_csr(base_item(), make_csr("www.example.com"));
            item.params["csr_sha256"] = csr_der_sha256(item.certificate.csr);
            World w(item);
            opened(w, 5);
            c.change(w.host.at(42));

            expect_refused_untouched(
                w, [&] { w.service.reissue(42); }, c.type, c.object);
        }
    }
}

TEST_CASE("reissue: an upstream refusal leaves the service as it was") {
    World w;
    opened(w, 5);
    w.api.fail("reissue", Failure::kApi);
    CHECK_THROWS_AS(w.service.reissue(42), UpstreamError);
    // nothing reached the upstream: the marker goes, so a retry sends the reissue again
    CHECK(w.host.journal() ==
          Lines{save("reissue_attempt", kOperation + ";oldrequest"), drop("reissue_attempt")});
    CHECK_FALSE(w.item().has_param("reissue_attempt"));
}

TEST_CASE("reissue: a retry of the same operation never sends it twice") {
    struct Case {
        const char* name;
        bool committed;  // the upstream reissued before the reply was lost
        Lines retry_api;
        Lines retry_journal;
    };
    const std::string marker = kOperation + ";oldrequest";
    const Case cases[] = {
        {"reply lost after the upstream reissued: not sent again",
         true,
         {"get 1001"},
         {kPostReopen, status(3), save("reissue_attempt", kOperation + ";done")}},
        {"request lost before the upstream: sent once",
         false,
         {"get 1001", "reissue 1001"},
         {save("reissue_attempt", marker), kPostReopen, status(3),
          save("reissue_attempt", kOperation + ";done")}},
    };
    for (const auto& c : cases) {
        SUBCASE(c.name) {
            World w;
            opened(w, 5);
            w.api.fail("reissue", Failure::kTransport, c.committed);
            CHECK_THROWS_AS(w.service.reissue(42), UpstreamError);
            CHECK(w.host.journal() == Lines{save("reissue_attempt", marker)});

            w.clear();
            w.service.reissue(42);

            CHECK(w.api.calls == c.retry_api);
            CHECK(w.host.journal() == c.retry_journal);
            CHECK(w.api.reissues.size() == 1);
        }
    }
}

TEST_CASE("reissue: a marker left by another operation never holds a reissue back") {
    World w;
    opened(w, 5);
    w.host.at(42).params["reissue_attempt"] = "12;oldrequest";
    w.api.certs["1001"].service_status = 3;  // validating since that older reissue
    w.service.reissue(42);
    CHECK(w.api.calls == Lines{"reissue 1001"});
    CHECK(w.host.journal() == Lines{save("reissue_attempt", kOperation + ";oldrequest"),
                                    kPostReopen, status(3),
                                    save("reissue_attempt", kOperation + ";done")});
}

TEST_CASE("reissue: a panel without service.postreopen is no failure; other refusals are") {
    World w;
    opened(w, 5);
    w.host.unknown_function("service.postreopen");  // an older BILLmanager
    w.service.reissue(42);
    const std::string marker = kOperation + ";oldrequest";
    CHECK(w.host.journal() == Lines{save("reissue_attempt", marker), kPostReopen, status(3),
                                    save("reissue_attempt", kOperation + ";done")});

    w.clear();
    w.host.at(42).params.erase("reissue_attempt");  // a new reissue, not a rerun of that one
    w.host.fail_on("service.postreopen");           // the function exists and refused
    auto [type, object] = error_of([&] { w.service.reissue(42); });
    CHECK(type == pmb::errtype::kMgrctl);
    CHECK(object == "service.postreopen");
    CHECK(w.host.journal() == Lines{save("reissue_attempt", marker), kPostReopen});
}

TEST_CASE("reissue: a rerun of a finished operation does nothing") {
    World w;
    opened(w, 5);
    w.service.reissue(42);
    REQUIRE(w.api.reissues.size() == 1);
    w.host.clear();
    w.api.calls.clear();
    w.service.reissue(42);
    CHECK(w.api.reissues.size() == 1);
    CHECK(w.api.calls.empty());
    CHECK(w.host.journal().empty());
}
