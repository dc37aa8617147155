// A charging call reaches the upstream at most once per run: when the connection dies after
// the upstream committed but before a byte of the answer (a proxy reset on a REUSED keep-alive
// connection, where libcurl would silently send the POST again), the run fails saying the
// outcome is unknown, and its retry adopts the result without charging again. One row per
// charging call and per way a run reaches it.
#include <doctest/doctest.h>

#include <functional>

#include "core/error.h"
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
        // An upstream that keeps the old certificate issued while the reissue is pending: the
        // numeric status still says 5, only the status text and the item status change.
        {"reopen, the upstream still says issued", "reopen", "certificate.reissue.step2",
         [](World& w, const CertificateOrder& order) {
             issue(w, order);
             w.upstream.set_shape("reissue_keeps_issued");
         },
         [](World& w, const CertificateOrder& order) {
             const CertificateState cert = the_order(w, order.item);
             CHECK(cert.reissue_count == "1");
             CHECK(cert.service_status == "5");
             CHECK(cert.item_status == "5");
             CHECK(w.host_calls("service.postreopen").size() == 1);
             CHECK(w.log().find("status_msg changed from 'Issued' to 'Reissue requested'") !=
                   std::string::npos);
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

// A proxy in front of the upstream (nginx, a WAF) may answer 4xx after it passed the order on.
// Such an answer is no refusal of the upstream's: the outcome is unknown, and the retry decides
// from the certificate list, both ways.
TEST_CASE("a proxy's 4xx on the order: the retry adopts what arrived, or orders once") {
    for (bool committed : {true, false}) {
        CAPTURE(committed);
        World w;
        CertificateOrder order = w.add_order({});
        FaultOptions options(1);
        options.commit = committed;
        w.upstream.fault("certificate.order.param", "proxy_4xx", options);
        ModuleResult failed = w.run_item("open", order.item);
        INFO(failed.out);
        CHECK(failed.exit_code == 1);
        CHECK(error_type(failed) == pmb::errtype::kUnknownOutcome);
        CHECK(failed.out.find("403") != std::string::npos);
        CHECK(w.host.item_param(order.item, "order_attempt"));
        w.clear_records();

        ModuleResult retried = w.run_item("open", order.item);
        INFO(retried.out);
        CHECK(retried.exit_code == 0);
        CHECK(w.upstream_funcs() == (committed ? Funcs{"certificate", "certificate.edit"}
                                               : Funcs{"certificate", "certificate.order.param",
                                                       "certificate.edit", "whoami"}));
        CHECK(w.upstream.state().size() == 1);
        CHECK(w.host.item_param(order.item, "upstream_id") == the_order(w, order.item).id);
    }
}

namespace {

// A retry while the upstream's views still lag: nothing sent, the outcome still unknown.
void expect_waiting(World& w, const std::string& command, const CertificateOrder& order,
                    int operation, const char* charging) {
    w.clear_records();
    ModuleResult r = w.run_item(command, order.item, operation);
    INFO(r.out);
    CHECK(r.exit_code == 1);
    CHECK(error_type(r) == pmb::errtype::kUnknownOutcome);
    CHECK(r.out.find("does not show") != std::string::npos);
    CHECK(w.upstream.count(charging) == 0);
}

WorldOptions settling() {
    WorldOptions o;
    o.extra_config = "ChargeSettleSeconds 600\n";
    return o;
}

}  // namespace

TEST_CASE("late upstream views: a lost order the list shows only later is charged once") {
    World w(settling());
    CertificateOrder order = w.add_order({});
    w.upstream.set_shape("views_lag", true, {{"reads", "2"}});
    w.upstream.fault("certificate.order.param", "drop_silently_after_commit");
    const int operation = w.host.add_running_operation(0);
    REQUIRE(w.run_item("open", order.item, operation).exit_code == 1);
    REQUIRE(w.upstream.state().size() == 1);  // it went through
    expect_waiting(w, "open", order, operation, "certificate.order.param");
    expect_waiting(w, "open", order, operation, "certificate.order.param");

    w.clear_records();
    ModuleResult adopted = w.run_item("open", order.item, operation);
    INFO(adopted.out);
    CHECK(adopted.exit_code == 0);
    CHECK(w.upstream_funcs() == Funcs{"certificate", "certificate.edit"});
    CHECK(w.upstream.count_committing("certificate.order.param") == 0);
    CHECK(w.upstream.state().size() == 1);
    CHECK(w.host.item_param(order.item, "upstream_id") == the_order(w, order.item).id);
}

TEST_CASE("late upstream views: a lost renewal whose expiry moves only later is charged once") {
    World w(settling());
    CertificateOrder order = w.add_order({});
    issue(w, order);
    const std::string expiry = the_order(w, order.item).expiredate;
    w.upstream.set_shape("views_lag", true, {{"reads", "2"}});
    w.upstream.fault("service.prolong", "drop_silently_after_commit");
    const int operation = w.host.add_running_operation(0);
    REQUIRE(w.run_item("prolong", order.item, operation).exit_code == 1);
    REQUIRE(the_order(w, order.item).expiredate == add_months(expiry, 12));  // renewed
    expect_waiting(w, "prolong", order, operation, "service.prolong");
    expect_waiting(w, "prolong", order, operation, "service.prolong");
    CHECK(w.host_calls("service.postprolong").empty());

    w.clear_records();
    ModuleResult adopted = w.run_item("prolong", order.item, operation);
    INFO(adopted.out);
    CHECK(adopted.exit_code == 0);
    CHECK(w.upstream_funcs() == Funcs{"certificate.edit"});
    CHECK(the_order(w, order.item).expiredate == add_months(expiry, 12));  // renewed once
    CHECK(w.host.item_expiredate(order.item) == add_months(expiry, 12));
    CHECK(w.host_calls("service.postprolong").size() == 1);
}
