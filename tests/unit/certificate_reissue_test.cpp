// The certificate lifecycle, reissue (reopen): altname, manual or oldrequest, and refusals.
// Every case asserts the exact upstream requests and the exact BILLmanager calls, in order.
#include <doctest/doctest.h>

#include "certificate_service_fixture.h"

using namespace pmtest;

// BILLmanager 6 finishes a reissue with it (ISPsystem's GlobalSign module), before status 3.
const std::string kPostReopen = "service.postreopen elid=42 sok=ok";

namespace {
// What a reissue's marker holds: certificate.edit and, for an issued certificate whose form
// carries none, the issued file's fingerprint ("none": the fake has no file).
pmb::UpstreamSnapshot before_reissue(World& w) {
    pmb::UpstreamSnapshot snapshot = shown(w);
    if (w.api.certs.at("1001").service_status == 5)
        snapshot["file"] = "none";
    return snapshot;
}
const Lines kReadBefore{"get 1001", "download 1001"};
}  // namespace

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
            const pmb::UpstreamSnapshot before = before_reissue(w);

            w.service.reissue(42);

            CHECK(w.api.calls == Lines{"get 1001", "download 1001", "reissue 1001"});
            REQUIRE(w.api.reissues.size() == 1);
            const auto& r = w.api.reissues[0].second;
            CHECK(r.crt_type == c.crt_type);
            CHECK(r.csr == c.csr);
            CHECK(r.altnames == c.altnames);
            CHECK(r.approval.method == "auth_email");
            CHECK(r.approval.emails == c.emails);
            std::string requested = c.crt_type;
            if (!c.csr.empty())
                requested += ":" + csr_der_sha256(c.csr);
            Lines journal{save("reissue_attempt", sending(w, before, requested))};
            journal.insert(journal.end(), c.journal.begin(), c.journal.end());
            journal.push_back(save("reissue_attempt", kDone));
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
    const pmb::UpstreamSnapshot before = before_reissue(w);
    w.api.fail("reissue", Failure::kApi);
    CHECK_THROWS_AS(w.service.reissue(42), UpstreamError);
    // nothing reached the upstream: the marker goes, so a retry sends the reissue again
    CHECK(w.host.journal() == Lines{save("reissue_attempt", sending(w, before, "oldrequest")),
                                    drop("reissue_attempt")});
    CHECK_FALSE(w.item().has_param("reissue_attempt"));
}

TEST_CASE("reissue: a retry of the same operation never sends it twice") {
    struct Case {
        const char* name;
        std::function<void(World&)> lose;  // how the first reply is lost
        bool reached;
    };
    const Case cases[] = {
        {"reply lost after the upstream reissued: not sent again",
         [](World& w) { w.api.fail("reissue", Failure::kTransport, true); }, true},
        {"request lost before the upstream: sent once",
         [](World& w) { w.api.fail("reissue", Failure::kTransport, false); }, false},
        // An upstream that keeps the old certificate, and its issued status, while the reissue
        // is pending: only the status text and the item status tell.
        {"reply lost; the upstream still says issued, its texts say reissue requested",
         [](World& w) {
             w.api.fail("reissue", Failure::kTransport, true);
             w.api.reissue_keeps_issued = true;
         },
         true},
    };
    for (const auto& c : cases) {
        SUBCASE(c.name) {
            World w;
            opened(w, 5);
            const pmb::UpstreamSnapshot before = before_reissue(w);
            c.lose(w);
            CHECK_THROWS_AS(w.service.reissue(42), UpstreamError);
            CHECK(w.host.journal() ==
                  Lines{save("reissue_attempt", sending(w, before, "oldrequest")),
                        save("reissue_attempt", unknown(w, before, "oldrequest"))});

            w.clear();
            w.service.reissue(42);

            Lines api = c.reached && w.api.certs.at("1001").service_status != 5 ? Lines{"get 1001"}
                                                                                : kReadBefore;
            Lines journal{kPostReopen, status(3), save("reissue_attempt", kDone)};
            if (!c.reached) {
                api.push_back("reissue 1001");
                journal.insert(journal.begin(),
                               save("reissue_attempt", sending(w, before, "oldrequest")));
            }
            CHECK(w.api.calls == api);
            CHECK(w.host.journal() == journal);
            CHECK(w.api.reissues.size() == 1);
        }
    }
}

TEST_CASE("reissue: a lost reply the upstream shows only later is waited for, then adopted") {
    World w;
    opened(w, 5);
    pmb::CertificateService patient{w.host,     w.api,   w.templates,
                                    kOperation, nullptr, w.settings(600)};
    w.api.fail("reissue", Failure::kTransport, true);
    const pmb::UpstreamCertificate issued = w.api.certs.at("1001");
    CHECK_THROWS_AS(patient.reissue(42), UpstreamError);
    const pmb::UpstreamCertificate reissued = w.api.certs.at("1001");
    w.api.certs["1001"] = issued;  // the upstream's view lags behind its books
    w.clear();
    w.now += 30;
    CHECK(error_of([&] { patient.reissue(42); }).first == pmb::errtype::kUnknownOutcome);
    CHECK(w.api.calls == kReadBefore);
    CHECK(w.host.journal().empty());

    w.api.certs["1001"] = reissued;
    w.clear();
    patient.reissue(42);
    CHECK(w.api.calls == Lines{"get 1001"});
    CHECK(w.host.journal() == Lines{kPostReopen, status(3), save("reissue_attempt", kDone)});
    CHECK(w.api.reissues.size() == 1);
}

TEST_CASE("reissue: a marker written before the charge guard (operation;crt_type) is honoured") {
    for (int shown_status : {5, 3}) {
        CAPTURE(shown_status);
        World w;
        opened(w, 5);
        w.host.at(42).params["reissue_attempt"] = kOperation + ";oldrequest";
        w.api.certs["1001"].service_status = shown_status;
        w.service.reissue(42);
        // the old rule: the reissue reached the upstream when it no longer says issued
        CHECK(w.api.reissues.size() == (shown_status == 5 ? 1u : 0u));
    }
}

TEST_CASE("reissue: a marker left by another operation never holds a reissue back") {
    World w;
    opened(w, 5);
    w.host.at(42).params["reissue_attempt"] = "12;oldrequest";
    w.api.certs["1001"].service_status = 3;  // validating since that older reissue
    const pmb::UpstreamSnapshot before = before_reissue(w);
    w.service.reissue(42);
    CHECK(w.api.calls == Lines{"get 1001", "reissue 1001"});
    CHECK(w.host.journal() == Lines{save("reissue_attempt", sending(w, before, "oldrequest")),
                                    kPostReopen, status(3), save("reissue_attempt", kDone)});
}

TEST_CASE("reissue: a panel without service.postreopen is no failure; other refusals are") {
    World w;
    opened(w, 5);
    w.host.unknown_function("service.postreopen");  // an older BILLmanager
    const std::string marker = sending(w, before_reissue(w), "oldrequest");
    w.service.reissue(42);
    CHECK(w.host.journal() == Lines{save("reissue_attempt", marker), kPostReopen, status(3),
                                    save("reissue_attempt", kDone)});

    w.clear();
    w.host.at(42).params.erase("reissue_attempt");  // a new reissue, not a rerun of that one
    w.host.fail_on("service.postreopen");           // the function exists and refused
    const std::string second = sending(w, before_reissue(w), "oldrequest");
    auto [type, object] = error_of([&] { w.service.reissue(42); });
    CHECK(type == pmb::errtype::kMgrctl);
    CHECK(object == "service.postreopen");
    CHECK(w.host.journal() == Lines{save("reissue_attempt", second), kPostReopen});
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
