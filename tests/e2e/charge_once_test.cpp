// A charging call reaches the upstream at most once per run: when the connection dies after
// the upstream committed but before a byte of the answer (a proxy reset on a REUSED keep-alive
// connection, where libcurl would silently send the POST again), the run fails saying the
// outcome is unknown, and its retry adopts the result without charging again. One row per
// charging call and per way a run reaches it.
#include <doctest/doctest.h>

#include <functional>

#include "e2e_util.h"

using namespace pmtest;

namespace {

void issue(World& w, const CertificateOrder& order) {
    REQUIRE(w.run_item("open", order.item).exit_code == 0);
    w.upstream.advance(*w.host.item_param(order.item, "upstream_id"), "issued");
    REQUIRE(w.run_item("sync_item", order.item).exit_code == 0);
}

// Without a CSR the upstream makes the pair first (certificate.order.csr), so the order
// goes on a kept-alive connection.
void drop_csr(World& w, const CertificateOrder& order) {
    w.host.db().execute("DELETE FROM certificate WHERE item = ?", {std::to_string(order.item)});
}

void check_unknown_outcome(const ModuleResult& failed, const std::string& func) {
    INFO(failed.out);
    CHECK(failed.exit_code == 1);
    CHECK(failed.out.find("outcome of " + func) != std::string::npos);
    CHECK(failed.out.find("is unknown") != std::string::npos);
    CHECK(error_type(failed) == "pmbillmgrssl_unknown_outcome");
    CHECK(failed.out.find("cannot reach") == std::string::npos);
}

// The service's state before the charging run, and what must be true after its retry.
struct Case {
    const char* name;
    const char* command;
    const char* charging;  // the upstream function that charges
    std::function<void(World&, const CertificateOrder&)> prepare;
    std::function<void(World&, const CertificateOrder&)> charged_once;
};

void one_certificate(World& w, const CertificateOrder&) {
    CHECK(w.upstream.state().size() == 1);
}

}  // namespace

TEST_CASE("a charging call whose reply is lost after the upstream committed is sent once") {
    const Case cases[] = {
        // Without a CSR the upstream makes the pair first (certificate.order.csr), so the
        // order follows a request on the same run.
        {"open without a CSR", "open", "certificate.order.param", drop_csr,
         [](World& w, const CertificateOrder& order) {
             one_certificate(w, order);
             CHECK(w.upstream.count("certificate.order.csr") == 1);  // the retry adopts
         }},
        // An earlier attempt that never reached the upstream: the certificate list is read
        // first, nothing matches, and the order follows.
        {"open retrying an attempt", "open", "certificate.order.param",
         [](World& w, const CertificateOrder& order) {
             // its date only narrows which listed certificates could be it: none is listed
             w.host.set_item_param(order.item, "order_attempt", "2026-01-05 115");
         },
         [](World& w, const CertificateOrder& order) {
             one_certificate(w, order);
             CHECK(w.upstream.count("certificate") == 2);  // listed before each order run
         }},
        // certificate.edit goes first, then the renewal.
        {"prolong", "prolong", "service.prolong", issue,
         [](World& w, const CertificateOrder& order) {
             CHECK(w.host_calls("service.postprolong").size() == 1);
             CHECK(the_order(w, order.item).expiredate == *w.host.item_expiredate(order.item));
         }},
        // The retry sees the certificate validating again and does not send it again.
        {"reopen", "reopen", "certificate.reissue.step2", issue,
         [](World& w, const CertificateOrder& order) {
             CHECK(the_order(w, order.item).reissue_count == "1");
             CHECK(w.host_calls("service.postreopen").size() == 1);
         }},
    };
    for (const Case& c : cases) {
        CAPTURE(c.name);
        World w;
        CertificateOrder order = w.add_order({});
        c.prepare(w, order);
        const int operation = w.host.add_running_operation(0);
        w.clear_records();
        w.upstream.fault(c.charging, "drop_silently_after_commit", {1});
        ModuleResult failed = w.run_item(c.command, order.item, operation);
        CHECK(w.upstream.count_committing(c.charging) == 1);
        check_unknown_outcome(failed, c.charging);

        ModuleResult retried = w.run_item(c.command, order.item, operation);
        INFO(retried.out);
        CHECK(retried.exit_code == 0);
        CHECK(w.upstream.count_committing(c.charging) == 1);
        c.charged_once(w, order);
    }
}
