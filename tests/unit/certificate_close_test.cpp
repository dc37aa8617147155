// The certificate lifecycle, close; and suspend/resume, which touch only BILLmanager.
// Every case asserts the exact upstream requests and the exact BILLmanager calls, in order.
#include <doctest/doctest.h>

#include "certificate_service_fixture.h"

using namespace pmtest;

TEST_CASE("close: deletes upstream when there is something to delete, then postclose") {
    struct Case {
        const char* name;
        std::function<void(World&)> setup;
        Lines api;
    };
    const Case cases[] = {
        {"ordered", [](World& w) { opened(w, 5); }, {"remove 1001"}},
        {"already deleted upstream",
         [](World& w) {
             opened(w, 5);
             w.api.certs["1001"].item_status = 4;
         },
         {"remove 1001"}},
        {"already gone upstream",
         [](World& w) {
             opened(w, 5);
             w.api.certs.clear();
         },
         {"remove 1001"}},
        {"never ordered", [](World&) {}, {}},
        {"order reply lost: found upstream and deleted",
         [](World& w) {
             w.api.fail("order", Failure::kTransport, true);
             CHECK_THROWS(w.service.open(42));
             w.clear();
         },
         {"list", "remove 1001"}},
        {"order never reached the upstream",
         [](World& w) {
             w.api.fail("order", Failure::kTransport, false);
             CHECK_THROWS(w.service.open(42));
             w.clear();
         },
         {"list"}},
    };
    for (const auto& c : cases) {
        SUBCASE(c.name) {
            World w;
            c.setup(w);

            w.service.close(42);

            CHECK(w.api.calls == c.api);
            CHECK(w.host.journal() == Lines{post("close")});
            for (const auto& [id, cert] : w.api.certs)
                CHECK(cert.item_status == 4);
        }
    }
}

TEST_CASE("close: an upstream failure is not reported as closed") {
    World w;
    expect_upstream_failure_untouched(w, "remove", Failure::kTransport,
                                      [&] { w.service.close(42); });
}

TEST_CASE("suspend and resume touch only BILLmanager") {
    World w;
    opened(w, 5);
    pmb::CertificateService::suspend(w.host, 42);
    pmb::CertificateService::resume(w.host, 42);
    CHECK(w.api.calls.empty());
    CHECK(w.host.journal() == Lines{post("suspend"), post("resume")});
}
