// A charging call reaches the upstream at most once per run: when the connection dies after
// the upstream committed but before a byte of the answer (a proxy reset on a REUSED keep-alive
// connection, where libcurl would silently send the POST again), the run fails saying the
// outcome is unknown, and its retry adopts the result without charging again.
#include <doctest/doctest.h>

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

}  // namespace

TEST_CASE("open: an order whose reply is lost on a reused connection is sent once") {
    World w;
    CertificateOrder order = w.add_order({});
    drop_csr(w, order);
    w.upstream.fault("certificate.order.param", "drop_silently_after_commit", {1});
    ModuleResult failed = w.run_item("open", order.item);
    CHECK(w.upstream.count("certificate.order.csr") == 1);
    CHECK(w.upstream.count_committing("certificate.order.param") == 1);
    check_unknown_outcome(failed, "certificate.order.param");

    ModuleResult retried = w.run_item("open", order.item);
    INFO(retried.out);
    CHECK(retried.exit_code == 0);
    CHECK(w.upstream.count_committing("certificate.order.param") == 1);
    CHECK(w.upstream.state().size() == 1);
}

TEST_CASE("prolong: a renewal whose reply is lost on a reused connection is sent once") {
    World w;
    CertificateOrder order = w.add_order({});
    issue(w, order);
    // certificate.edit goes first on the keep-alive connection, then the renewal.
    w.upstream.fault("service.prolong", "drop_silently_after_commit", {1});
    ModuleResult failed = w.run_item("prolong", order.item);
    CHECK(w.upstream.count_committing("service.prolong") == 1);
    check_unknown_outcome(failed, "service.prolong");

    ModuleResult retried = w.run_item("prolong", order.item);
    INFO(retried.out);
    CHECK(retried.exit_code == 0);
    CHECK(w.upstream.count_committing("service.prolong") == 1);
    CHECK(w.host_calls("service.postprolong").size() == 1);
}
