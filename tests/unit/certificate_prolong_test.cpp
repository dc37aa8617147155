// The certificate lifecycle, prolong: one renewal per attempt, never charged twice.
// Every case asserts the exact upstream requests and the exact BILLmanager calls, in order.
#include <doctest/doctest.h>

#include "certificate_service_fixture.h"

using namespace pmtest;

namespace {
void renewable(World& w) {
    opened(w, 5);
    w.api.certs["1001"].expiredate = "2025-06-01 00:00:00";
    w.host.at(42).expiredate = "2025-06-01";
}
}  // namespace

TEST_CASE("prolong: records the attempt, renews once, writes the new expiry") {
    World w;
    renewable(w);
    const pmb::UpstreamSnapshot before = shown(w);

    w.service.prolong(42);

    CHECK(w.api.calls == Lines{"get 1001", "prolong 1001 12"});
    CHECK(w.host.journal() == Lines{
                                  save("prolong_attempt", sending(w, before)),
                                  expire("2026-06-01"),
                                  post("prolong"),
                                  save("prolong_attempt", kOperation + ";done"),
                              });
    CHECK(w.api.prolongs == 1);
    CHECK(w.item().param("prolong_attempt") == kOperation + ";done");
}

TEST_CASE("prolong: an answer without the new expiry reads it back") {
    World w;
    renewable(w);
    w.api.prolong_returns_date = false;

    w.service.prolong(42);

    CHECK(w.api.calls == Lines{"get 1001", "prolong 1001 12", "get 1001"});
    CHECK(w.host.journal().at(1) == expire("2026-06-01"));
}

TEST_CASE("prolong: never charged twice") {
    struct Case {
        const char* name;
        bool committed;  // the upstream renewed before the reply was lost
        Lines retry_api;
    };
    const Case cases[] = {
        {"reply lost after the upstream renewed: no second prolong", true, {"get 1001"}},
        {"request lost before the upstream: renews once", false, {"get 1001", "prolong 1001 12"}},
    };
    for (const auto& c : cases) {
        SUBCASE(c.name) {
            World w;
            renewable(w);
            const pmb::UpstreamSnapshot before = shown(w);
            w.api.fail("prolong", Failure::kTransport, c.committed);

            CHECK_THROWS_AS(w.service.prolong(42), UpstreamError);
            CHECK(w.api.calls == Lines{"get 1001", "prolong 1001 12"});
            CHECK(w.host.journal() == Lines{save("prolong_attempt", sending(w, before)),
                                            save("prolong_attempt", unknown(w, before))});

            w.clear();
            w.service.prolong(42);

            CHECK(w.api.calls == c.retry_api);
            Lines journal{expire("2026-06-01"), post("prolong"), save("prolong_attempt", kDone)};
            if (!c.committed)  // sent again, under a marker of its own
                journal.insert(journal.begin(), save("prolong_attempt", sending(w, before)));
            CHECK(w.host.journal() == journal);
            CHECK(w.api.prolongs == 1);
        }
    }
}

// A stale prolong_attempt would make a later paid prolong skip the upstream renewal once the
// expiry moved by other means (staff renewing upstream by hand).
TEST_CASE("prolong: a definite refusal drops prolong_attempt") {
    World w;
    renewable(w);
    const pmb::UpstreamSnapshot before = shown(w);
    w.api.fail("prolong", Failure::kBalance);
    CHECK_THROWS_AS(w.service.prolong(42), UpstreamError);
    CHECK(w.host.journal() ==
          Lines{save("prolong_attempt", sending(w, before)), drop("prolong_attempt")});
    CHECK_FALSE(w.item().has_param("prolong_attempt"));
}

// A run killed after service.postprolong leaves its marker behind; the next renewal is
// another operation, and the expiry has moved since: it must still renew upstream.
TEST_CASE("prolong: a marker of another operation never suppresses a renewal") {
    World w;
    renewable(w);
    const pmb::UpstreamSnapshot before = shown(w);
    w.host.at(42).params["prolong_attempt"] = "12;2024-06-01";
    w.service.prolong(42);
    CHECK(w.api.calls == Lines{"get 1001", "prolong 1001 12"});
    CHECK(w.api.prolongs == 1);
    CHECK(w.host.journal() == Lines{save("prolong_attempt", sending(w, before)),
                                    expire("2026-06-01"), post("prolong"),
                                    save("prolong_attempt", kOperation + ";done")});
}

TEST_CASE("prolong: a marker written before the charge guard (operation;expiry) is honoured") {
    World w;
    renewable(w);
    w.host.at(42).params["prolong_attempt"] = kOperation + ";2024-06-01";
    w.service.prolong(42);
    CHECK(w.api.calls == Lines{"get 1001"});
    CHECK(w.api.prolongs == 0);
    CHECK(w.host.journal() == Lines{expire("2025-06-01"), post("prolong"),
                                    save("prolong_attempt", kOperation + ";done")});
}

TEST_CASE("prolong: a lost renewal whose expiry moves only later is adopted, never sent twice") {
    World w;
    renewable(w);
    pmb::CertificateService patient{w.host,     w.api,   w.templates,
                                    kOperation, nullptr, w.settings(600)};
    w.api.fail("prolong", Failure::kTransport, /*after_commit=*/true);
    CHECK_THROWS_AS(patient.prolong(42), UpstreamError);
    REQUIRE(w.api.prolongs == 1);
    // the upstream's view lags: certificate.edit still shows the old expiry
    const std::string moved = w.api.certs["1001"].expiredate;
    w.api.certs["1001"].expiredate = "2025-06-01 00:00:00";
    w.clear();

    w.now += 60;
    auto [type, object] = error_of([&] { patient.prolong(42); });
    CHECK(type == pmb::errtype::kUnknownOutcome);
    CHECK(w.api.calls == Lines{"get 1001"});
    CHECK(w.host.journal().empty());

    w.api.certs["1001"].expiredate = moved;  // the view caught up
    w.clear();
    w.now += 60;
    patient.prolong(42);
    CHECK(w.api.calls == Lines{"get 1001"});
    CHECK(w.host.journal() ==
          Lines{expire("2026-06-01"), post("prolong"), save("prolong_attempt", kDone)});
    CHECK(w.api.prolongs == 1);
}

TEST_CASE("prolong: after the settle time a lost renewal nothing shows is sent again") {
    World w;
    renewable(w);
    pmb::CertificateService patient{w.host,     w.api,   w.templates,
                                    kOperation, nullptr, w.settings(600)};
    w.api.fail("prolong", Failure::kTransport);  // lost on its way: never renewed
    CHECK_THROWS_AS(patient.prolong(42), UpstreamError);
    w.clear();
    w.now += 599;
    CHECK(error_of([&] { patient.prolong(42); }).first == pmb::errtype::kUnknownOutcome);
    CHECK(w.api.calls == Lines{"get 1001"});
    w.clear();
    w.now += 1;
    patient.prolong(42);
    CHECK(w.api.calls == Lines{"get 1001", "prolong 1001 12"});
    CHECK(w.api.prolongs == 1);
}

TEST_CASE("prolong: a renewal whose status changed but whose expiry has not is not written back") {
    World w;
    renewable(w);
    const pmb::UpstreamSnapshot before = shown(w);
    w.host.at(42).params["prolong_attempt"] = unknown(w, before);
    w.api.certs["1001"].status_msg = "Renewal in progress";
    auto [type, object] = error_of([&] { w.service.prolong(42); });
    CHECK(type == pmb::errtype::kUnknownOutcome);
    CHECK(w.api.calls == Lines{"get 1001"});
    CHECK(w.host.journal().empty());
    CHECK(w.api.prolongs == 0);
}

TEST_CASE("prolong: a service never ordered is a missed error, with no upstream call") {
    World w;
    expect_refused_untouched(
        w, [&] { w.service.prolong(42); }, "missed", "upstream_id");
}

// A rerun of an operation that already finished (killed before it could exit, or queued on
// the lock behind the run that finished it) must not renew a second time.
TEST_CASE("prolong: a rerun of a finished operation does nothing") {
    World w;
    renewable(w);
    w.service.prolong(42);
    REQUIRE(w.api.prolongs == 1);
    w.host.clear();
    w.api.calls.clear();
    w.service.prolong(42);
    CHECK(w.api.prolongs == 1);
    CHECK(w.api.calls.empty());
    CHECK(w.host.journal().empty());
}
