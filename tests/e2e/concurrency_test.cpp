// Two runs for one service at once, as when staff press "Execute" on an operation that is
// still running behind a slow upstream. The first is held inside its lock (a hanging mgrctl
// call, or an upstream read that answers late) until the second waits for that lock, so the
// runs overlap for sure. One run may be refused with the busy error (retryable: BILLmanager
// runs it again); none may charge twice or leave a local state the upstream contradicts.
#include <doctest/doctest.h>

#include <thread>

#include "e2e_util.h"

using namespace pmtest;

namespace {

constexpr int kRepetitions = 4;
constexpr int kMaxReruns = 5;

std::vector<std::string> item_args(const std::string& command, int item, int operation) {
    std::vector<std::string> args{"--command", command, "--item", std::to_string(item)};
    if (operation)
        args.insert(args.end(), {"--runningoperation", std::to_string(operation)});
    return args;
}

bool refused_as_busy(const ModuleResult& r) {
    return r.exit_code == 1 && error_type(r).find("busy") != std::string::npos &&
           xpath(r.out, "count(/doc/error/msg)") == "1";
}

// A run of the pair either did its work or was refused as busy; a busy one is run again, as
// BILLmanager retries the operation, until it completes.
void expect_done_or_busy_then_rerun(World& w, const std::vector<std::string>& args,
                                    const ModuleResult& first) {
    INFO(args.at(1) << ": " << first.out);
    if (first.exit_code == 0)
        return;
    REQUIRE(refused_as_busy(first));
    for (int rerun = 1;; ++rerun) {
        ModuleResult r = w.run(args);
        INFO("rerun " << rerun << ": " << r.out);
        if (r.exit_code == 0)
            return;
        REQUIRE(refused_as_busy(r));
        REQUIRE(rerun < kMaxReruns);
    }
}

// Where the first run of a pair is held, inside its lock: at a mgrctl call (released by the
// test), or at an upstream request that answers late (delay_ms).
struct Hold {
    std::string func, match;
    int delay_ms = 0;  // > 0: an upstream request of func, answered after this long
};

size_t occurrences(const std::string& text, const std::string& what) {
    size_t n = 0;
    for (size_t at = text.find(what); at != std::string::npos; at = text.find(what, at + 1))
        ++n;
    return n;
}

bool first_is_held(World& w, const Hold& hold, int holds_before) {
    if (hold.delay_ms > 0)
        return w.upstream.count(hold.func) > holds_before;
    return w.host.hangs_begun(hold.func, HangWhen::kBefore) > holds_before;
}

// Runs a until it is held inside its lock, then b, and lets a go only once b waits for the
// lock (b's log says so): the two runs overlap, as a fact. Both finish before this returns.
void overlap(World& w, const std::vector<std::string>& a, const Hold& hold,
             const std::vector<std::string>& b) {
    const std::string waiting = "service " + a.at(3) + " is busy: waiting";
    const size_t waits_before = occurrences(w.log(), waiting);
    const int holds_before = hold.delay_ms > 0 ? w.upstream.count(hold.func)
                                               : w.host.hangs_begun(hold.func, HangWhen::kBefore);
    if (hold.delay_ms > 0)
        w.upstream.fault(hold.func, "delay", {1, hold.delay_ms});
    else
        w.host.hang(hold.func, hold.match, HangWhen::kBefore, 60);
    ModuleResult ra, rb;
    std::thread ta([&] { ra = w.run_unrecorded(a); });
    const bool a_held = wait_until([&] { return first_is_held(w, hold, holds_before); });
    std::thread tb;
    bool b_waited = false;
    if (a_held) {
        tb = std::thread([&] { rb = w.run_unrecorded(b); });
        b_waited = wait_until([&] { return occurrences(w.log(), waiting) > waits_before; });
    }
    w.host.release_hangs();
    ta.join();
    if (tb.joinable())
        tb.join();
    w.host.clear_faults();
    w.upstream.clear_faults();
    REQUIRE_MESSAGE(a_held, a.at(1) << " was never held at " << hold.func);
    CHECK_MESSAGE(b_waited, b.at(1) << " never waited for the lock " << a.at(1) << " held");
    CHECK_FALSE((refused_as_busy(ra) && refused_as_busy(rb)));  // one of them always works
    expect_done_or_busy_then_rerun(w, a, ra);
    expect_done_or_busy_then_rerun(w, b, rb);
}

const Hold kBeforeOrdering{"service.saveparam", "name=order_attempt"};
const Hold kBeforeRenewing{"service.saveparam", "name=prolong_attempt"};
const Hold kBeforeReissuing{"service.saveparam", "name=reissue_attempt"};
const Hold kClosing{"service.postclose", ""};
const Hold kSyncReading{"certificate.edit", "", 3000};

int issued_service(World& w) {
    int item = w.add_order({}).item;
    REQUIRE(w.run_item("open", item).exit_code == 0);
    w.upstream.advance(*w.host.item_param(item, "upstream_id"), "issued");
    REQUIRE(w.run_item("sync_item", item).exit_code == 0);
    return item;
}

}  // namespace

TEST_CASE("open + open: one order") {
    World w;
    for (int i = 0; i < kRepetitions; ++i) {
        CAPTURE(i);
        const int item = w.add_order({}).item;
        const int operation = w.host.add_running_operation(0);
        const int charges_before = w.upstream.count_committing("certificate.order.param");
        overlap(w, item_args("open", item, operation), kBeforeOrdering,
                item_args("open", item, operation));
        CHECK(w.upstream.count_committing("certificate.order.param") - charges_before == 1);
        auto orders = orders_of(w, item);
        REQUIRE(orders.size() == 1);
        CHECK(w.host.item_param(item, "upstream_id") == orders.at(0).id);
        CHECK(w.host.item_status(item) == 2);
    }
}

TEST_CASE("prolong + prolong of one operation: one renewal") {
    World w;
    for (int i = 0; i < kRepetitions; ++i) {
        CAPTURE(i);
        const int item = issued_service(w);
        const std::string expiry = orders_of(w, item).at(0).expiredate;
        const int operation = w.host.add_running_operation(0);
        const int charges_before = w.upstream.count_committing("service.prolong");
        overlap(w, item_args("prolong", item, operation), kBeforeRenewing,
                item_args("prolong", item, operation));
        CHECK(w.upstream.count_committing("service.prolong") - charges_before == 1);
        const std::string renewed = orders_of(w, item).at(0).expiredate;
        CHECK(renewed == add_months(expiry, 12));
        CHECK(w.host.item_expiredate(item) == renewed);
    }
}

TEST_CASE("open + close: never closed here while a live certificate is paid for upstream") {
    World w;
    for (int i = 0; i < kRepetitions; ++i) {
        CAPTURE(i);
        const int item = w.add_order({}).item;
        const int opening = w.host.add_running_operation(0);
        const int closing = w.host.add_running_operation(0);
        w.clear_records();
        // either run first: the open before it orders, or the close before it closes here
        if (i % 2 == 0)
            overlap(w, item_args("open", item, opening), kBeforeOrdering,
                    item_args("close", item, closing));
        else
            overlap(w, item_args("close", item, closing), kClosing,
                    item_args("open", item, opening));
        auto orders = orders_of(w, item);
        REQUIRE(orders.size() <= 1);
        CHECK(static_cast<size_t>(w.upstream.count_committing("certificate.order.param")) ==
              orders.size());
        const bool live_upstream = !orders.empty() && orders.at(0).item_status != "4";
        const bool closed_here = w.host.item_status(item) != 2;
        INFO("orders " << orders.size() << ", item status " << w.host.item_status(item));
        // the two may end either way, but the upstream and the panel agree
        CHECK(live_upstream != closed_here);
        if (live_upstream)
            CHECK(w.host.item_param(item, "upstream_id") == orders.at(0).id);
    }
}

TEST_CASE("sync_item + reopen: one reissue, and the status is not overwritten by a stale read") {
    World w;
    for (int i = 0; i < kRepetitions; ++i) {
        CAPTURE(i);
        const int item = issued_service(w);
        const int charges_before = w.upstream.count_committing("certificate.reissue.step2");
        const auto sync = item_args("sync_item", item, 0);
        const auto reopen = item_args("reopen", item, w.host.add_running_operation(0));
        // either order: a sync holding the lock while it reads, or a reopen before reissuing
        if (i % 2 == 0)
            overlap(w, sync, kSyncReading, reopen);
        else
            overlap(w, reopen, kBeforeReissuing, sync);
        CHECK(w.upstream.count_committing("certificate.reissue.step2") - charges_before == 1);
        auto cert = orders_of(w, item).at(0);
        CHECK(cert.reissue_count == "1");
        // the upstream is validating the reissue: the service must not read as issued
        CHECK(w.host.item_param(item, "service_status") != "5");
    }
}
