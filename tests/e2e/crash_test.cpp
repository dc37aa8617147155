// Idempotency: whatever point an order or a renewal dies at — the reply lost, the process
// killed with -9 before sending, while waiting, or between the reply and the write-back —
// a rerun ends with exactly one upstream order (one renewal) and a consistent item.
#include <doctest/doctest.h>

#include <csignal>

#include "crypto.h"  // the fake upstream's own OpenSSL helpers
#include "e2e_util.h"

using namespace pmtest;

namespace {

// The fake mgrctl records a call before it applies it, and the kill takes mgrctl down too:
// so "recorded" is only true once the param is in the database.
bool attempt_saved(World& w, const CertificateOrder& order) {
    return w.host.item_param(order.item, "order_attempt").has_value();
}

// After the crash: the fault is gone and BILLmanager runs open again. `orders` is how many
// upstream orders must exist in all (one per local service).
void rerun_open_and_expect_one_order_for(World& w, const CertificateOrder& order, size_t orders) {
    w.host.clear_faults();
    w.upstream.clear_faults();
    ModuleResult r = w.run_item("open", order.item);
    INFO(r.out);
    REQUIRE(r.exit_code == 0);
    auto certs = w.upstream.state();  // every order ever placed, whatever was cleared
    REQUIRE(certs.size() == orders);
    CHECK(w.host.item_param(order.item, "upstream_id") == certs.back().id);
    CHECK(w.host.item_status(order.item) == 2);
    CHECK(w.host.item_param(order.item, "service_status") == "4");
    // and once more: nothing at all happens upstream
    w.clear_records();
    REQUIRE(w.run_item("open", order.item).exit_code == 0);
    CHECK(w.upstream_calls().empty());
}

void rerun_open_and_expect_one_order(World& w, const CertificateOrder& order) {
    rerun_open_and_expect_one_order_for(w, order, 1);
}

// The fake mgrctl holds a call of func before applying it (the only trace of that hang).
bool held_before(World& w, const std::string& func) {
    return w.host.hangs_begun(func, HangWhen::kBefore) == 1;
}

// The module and a mgrctl call it left held (mgrctl runs in a process group of its own).
void kill_module(World& w, Child& module) {
    module.signal_group(SIGKILL);
    module.wait();
    w.host.kill_held_calls();
}

}  // namespace

TEST_CASE("open: reply dropped after the upstream committed the order") {
    for (bool list_has_remoteid : {true, false}) {
        CAPTURE(list_has_remoteid);
        WorldOptions o;
        o.upstream.list_without_remoteid = !list_has_remoteid;
        World w(o);
        CertificateOrder order = w.add_order({});
        w.upstream.fault("certificate.order.param", "drop_after_commit");
        ModuleResult r = w.run_item("open", order.item);
        CHECK(r.exit_code == 1);
        CHECK(error_type(r) == pmb::errtype::kUnknownOutcome);
        CHECK(w.upstream.count("certificate.order.param") == 1);
        CHECK(w.host.item_param(order.item, "order_attempt"));
        CHECK_FALSE(w.host.item_param(order.item, "upstream_id"));
        w.clear_records();
        rerun_open_and_expect_one_order(w, order);
    }
}

TEST_CASE("open without a CSR: reply dropped after commit; the key of that order is kept") {
    World w;
    CertificateOrder order = w.add_order({});
    w.host.db().execute("DELETE FROM certificate WHERE item = ?", {std::to_string(order.item)});
    w.upstream.fault("certificate.order.param", "drop_after_commit");
    ModuleResult r = w.run_item("open", order.item);
    CHECK(r.exit_code == 1);
    REQUIRE(w.upstream.state().size() == 1);
    const std::string ordered_csr = w.upstream.state().at(0).csr;
    auto key = w.host.item_param(order.item, "private_key");
    REQUIRE(key);
    CHECK(fake_upstream::key_matches_csr(*key, ordered_csr));
    w.upstream.clear_faults();
    w.clear_records();
    REQUIRE(w.run_item("open", order.item).exit_code == 0);
    // found and adopted: no new pair, no new order
    CHECK(w.upstream_funcs() == Funcs{"certificate", "certificate.edit"});
    CHECK(w.upstream.state().size() == 1);
    CHECK(w.host.item_param(order.item, "upstream_id") == w.upstream.state().at(0).id);
    CHECK(w.host.item_param(order.item, "private_key") == key);
}

TEST_CASE("open: without remoteid, a retry never adopts another service's certificate") {
    WorldOptions o;
    o.upstream.list_without_remoteid = true;
    World w(o);
    CertificateOrder first = w.add_order({});
    REQUIRE(w.run_item("open", first.item).exit_code == 0);  // same CN and tariff, today
    // the second service dies after recording its attempt, before its order went out
    CertificateOrder second = w.add_order({});
    w.clear_records();
    w.host.hang("service.saveparam", "name=order_attempt", HangWhen::kAfter, 30);
    Child module = w.start({"--command", "open", "--item", std::to_string(second.item)});
    REQUIRE(wait_until([&] { return attempt_saved(w, second); }));
    kill_module(w, module);
    REQUIRE(w.upstream.state().size() == 1);
    // the only look-alike upstream belongs to the first service: order anew
    rerun_open_and_expect_one_order_for(w, second, 2);
    CHECK(w.host.item_param(first.item, "upstream_id") !=
          w.host.item_param(second.item, "upstream_id"));
}

TEST_CASE("open: kill -9 before sending (attempt not yet recorded)") {
    World w;
    CertificateOrder order = w.add_order({});
    w.host.hang("service.saveparam", "name=order_attempt", HangWhen::kBefore, 30);
    Child module = w.start({"--command", "open", "--item", std::to_string(order.item)});
    REQUIRE(wait_until([&] { return held_before(w, "service.saveparam"); }));
    kill_module(w, module);
    CHECK(w.upstream.count("certificate.order.param") == 0);
    rerun_open_and_expect_one_order(w, order);
}

TEST_CASE("open: kill -9 after the attempt is recorded, before sending") {
    World w;
    CertificateOrder order = w.add_order({});
    w.host.hang("service.saveparam", "name=order_attempt", HangWhen::kAfter, 30);
    Child module = w.start({"--command", "open", "--item", std::to_string(order.item)});
    REQUIRE(wait_until([&] { return attempt_saved(w, order); }));
    kill_module(w, module);
    CHECK(w.upstream.count("certificate.order.param") == 0);
    CHECK(w.host.item_param(order.item, "order_attempt"));
    rerun_open_and_expect_one_order(w, order);
}

TEST_CASE("open: kill -9 while waiting for the upstream, which committed") {
    World w;
    CertificateOrder order = w.add_order({});
    w.upstream.fault("certificate.order.param", "hang_after_commit", {1, 30000});
    Child module = w.start({"--command", "open", "--item", std::to_string(order.item)});
    REQUIRE(wait_until([&] { return w.upstream.count("certificate.order.param") == 1; }));
    kill_module(w, module);
    rerun_open_and_expect_one_order(w, order);
}

TEST_CASE("open: kill -9 after the reply, before the write-back") {
    World w;
    CertificateOrder order = w.add_order({});
    w.host.hang("service.saveparam", "name=upstream_id", HangWhen::kBefore, 30);
    Child module = w.start({"--command", "open", "--item", std::to_string(order.item)});
    REQUIRE(wait_until([&] { return held_before(w, "service.saveparam"); }));
    CHECK(w.upstream.count("certificate.order.param") == 1);
    kill_module(w, module);
    CHECK_FALSE(w.host.item_param(order.item, "upstream_id"));
    rerun_open_and_expect_one_order(w, order);
}

namespace {

// An issued certificate, ready for renewal.
std::string issued(World& w, const CertificateOrder& order) {
    REQUIRE(w.run_item("open", order.item).exit_code == 0);
    std::string id = *w.host.item_param(order.item, "upstream_id");
    w.upstream.advance(id, "issued");
    REQUIRE(w.run_item("sync_item", order.item).exit_code == 0);
    return id;
}

std::string upstream_expiry(World& w, const std::string& id) {
    for (auto& c : w.upstream.state())
        if (c.id == id)
            return c.expiredate;
    return "";
}

// Exactly one renewal: the upstream expiry moved by one period, and the item follows it.
// The retry is the same running operation (staff restart it), which the marker is keyed to.
void rerun_prolong_and_expect_one(World& w, const CertificateOrder& order, const std::string& id,
                                  const std::string& original_expiry, int operation = 0) {
    w.upstream.clear_faults();
    w.host.clear_faults();
    ModuleResult r = w.run_item("prolong", order.item, operation);
    INFO(r.out);
    REQUIRE(r.exit_code == 0);
    CHECK(upstream_expiry(w, id) == add_months(original_expiry, 12));
    CHECK(w.host.item_expiredate(order.item) == upstream_expiry(w, id));
    CHECK(w.host_calls("service.postprolong").size() == 1);
    // A finished operation's marker says so (a rerun of it does nothing); a manual run, with
    // no operation to key it to, drops it.
    if (operation)
        CHECK(w.host.item_param(order.item, "prolong_attempt") ==
              std::to_string(operation) + ";done");
    else
        CHECK_FALSE(w.host.item_param(order.item, "prolong_attempt"));
}

}  // namespace

TEST_CASE("prolong: reply dropped after the upstream renewed — never charged twice") {
    World w;
    CertificateOrder order = w.add_order({});
    std::string id = issued(w, order);
    const std::string original = upstream_expiry(w, id);
    w.upstream.fault("service.prolong", "drop_after_commit");
    const int operation = w.host.add_running_operation(1);
    ModuleResult r = w.run_item("prolong", order.item, operation);
    CHECK(r.exit_code == 1);
    // one try for prolong: staff get a task straight away
    CHECK(w.host.running_operation(operation).manual == "on");
    CHECK(w.host_calls("task.gettype").at(0).param("operation") == "prolong");
    w.clear_records();
    rerun_prolong_and_expect_one(w, order, id, original, operation);
}

TEST_CASE("prolong: kill -9 while waiting for the upstream, which renewed") {
    World w;
    CertificateOrder order = w.add_order({});
    std::string id = issued(w, order);
    const std::string original = upstream_expiry(w, id);
    w.upstream.fault("service.prolong", "hang_after_commit", {1, 30000});
    w.clear_records();
    Child module = w.start({"--command", "prolong", "--item", std::to_string(order.item)});
    REQUIRE(wait_until([&] { return w.upstream.count("service.prolong") == 1; }));
    kill_module(w, module);
    w.clear_records();
    rerun_prolong_and_expect_one(w, order, id, original);
}

namespace {

// One reissue in all: the upstream's count, and the reopen finished here (status 3 asked).
void rerun_reopen_and_expect_one(World& w, const CertificateOrder& order, const std::string& id,
                                 int operation) {
    w.upstream.clear_faults();
    w.host.clear_faults();
    w.clear_records();
    ModuleResult r = w.run_item("reopen", order.item, operation);
    INFO(r.out);
    REQUIRE(r.exit_code == 0);
    for (const auto& cert : w.upstream.state())
        if (cert.id == id)
            CHECK(cert.reissue_count == "1");
    CHECK(w.upstream.count_committing("certificate.reissue.step2") == 0);
    CHECK(w.host_calls("service.postreopen").size() == 1);
    // and the operation run once more: nothing at all happens upstream
    w.clear_records();
    REQUIRE(w.run_item("reopen", order.item, operation).exit_code == 0);
    CHECK(w.upstream.count_committing("certificate.reissue.step2") == 0);
}

}  // namespace

TEST_CASE("reopen: kill -9 while waiting for the upstream, which reissued") {
    World w;
    CertificateOrder order = w.add_order({});
    std::string id = issued(w, order);
    const int operation = w.host.add_running_operation(0);
    w.upstream.fault("certificate.reissue.step2", "hang_after_commit", {1, 30000});
    w.clear_records();
    Child module = w.start({"--command", "reopen", "--item", std::to_string(order.item),
                            "--runningoperation", std::to_string(operation)});
    REQUIRE(wait_until([&] { return w.upstream.count("certificate.reissue.step2") == 1; }));
    kill_module(w, module);
    CHECK(w.host_calls("service.postreopen").empty());
    rerun_reopen_and_expect_one(w, order, id, operation);
}

TEST_CASE("reopen: kill -9 after the reissue's reply, at the mgrctl write-back") {
    World w;
    CertificateOrder order = w.add_order({});
    std::string id = issued(w, order);
    const int operation = w.host.add_running_operation(0);
    w.host.hang("service.postreopen", "", HangWhen::kBefore, 30);
    w.clear_records();
    Child module = w.start({"--command", "reopen", "--item", std::to_string(order.item),
                            "--runningoperation", std::to_string(operation)});
    REQUIRE(wait_until([&] { return held_before(w, "service.postreopen"); }));
    CHECK(w.upstream.count("certificate.reissue.step2") == 1);
    kill_module(w, module);
    rerun_reopen_and_expect_one(w, order, id, operation);
}
