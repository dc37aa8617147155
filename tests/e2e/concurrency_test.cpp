// Two runs for one service started at the same moment, as when staff press "Execute" on an
// operation that is still running behind a slow upstream. One run may be refused with the
// busy error (retryable: BILLmanager runs it again); none may charge twice or leave a local
// state the upstream contradicts.
#include <doctest/doctest.h>

#include <atomic>
#include <thread>

#include "e2e_util.h"

using namespace pmtest;

namespace {

constexpr int kRepetitions = 5;
constexpr int kMaxReruns = 5;
// Every upstream request answers this late, so the two runs overlap for sure.
constexpr int kUpstreamDelayMs = 600;

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

// Starts both runs at the same moment; both finish before this returns.
void race(World& w, const std::vector<std::string>& a, const std::vector<std::string>& b) {
    ModuleResult ra, rb;
    std::atomic<int> ready{0};
    auto runner = [&](const std::vector<std::string>& args, ModuleResult& out) {
        ++ready;
        while (ready.load() < 2) {
        }
        out = w.run_unrecorded(args);
    };
    std::thread ta(runner, std::cref(a), std::ref(ra));
    std::thread tb(runner, std::cref(b), std::ref(rb));
    ta.join();
    tb.join();
    CHECK_FALSE((refused_as_busy(ra) && refused_as_busy(rb)));  // one of them always works
    expect_done_or_busy_then_rerun(w, a, ra);
    expect_done_or_busy_then_rerun(w, b, rb);
}

void slow_upstream(World& w) {
    w.upstream.fault("*", "delay", {0, kUpstreamDelayMs});
}

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
    slow_upstream(w);
    for (int i = 0; i < kRepetitions; ++i) {
        CAPTURE(i);
        const int item = w.add_order({}).item;
        const int operation = w.host.add_running_operation(0);
        const int charges_before = w.upstream.count_committing("certificate.order.param");
        race(w, item_args("open", item, operation), item_args("open", item, operation));
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
        w.upstream.clear_faults();
        const int item = issued_service(w);
        const std::string expiry = orders_of(w, item).at(0).expiredate;
        slow_upstream(w);
        const int operation = w.host.add_running_operation(0);
        const int charges_before = w.upstream.count_committing("service.prolong");
        race(w, item_args("prolong", item, operation), item_args("prolong", item, operation));
        CHECK(w.upstream.count_committing("service.prolong") - charges_before == 1);
        const std::string renewed = orders_of(w, item).at(0).expiredate;
        CHECK(renewed == add_months(expiry, 12));
        CHECK(w.host.item_expiredate(item) == renewed);
    }
}

TEST_CASE("open + close: never closed here while a live certificate is paid for upstream") {
    World w;
    slow_upstream(w);
    for (int i = 0; i < kRepetitions; ++i) {
        CAPTURE(i);
        const int item = w.add_order({}).item;
        const int opening = w.host.add_running_operation(0);
        const int closing = w.host.add_running_operation(0);
        w.clear_records();
        // alternate which run is started first, in case thread start order matters
        if (i % 2 == 0)
            race(w, item_args("open", item, opening), item_args("close", item, closing));
        else
            race(w, item_args("close", item, closing), item_args("open", item, opening));
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
        w.upstream.clear_faults();
        const int item = issued_service(w);
        slow_upstream(w);
        const int charges_before = w.upstream.count_committing("certificate.reissue.step2");
        race(w, item_args("sync_item", item, 0),
             item_args("reopen", item, w.host.add_running_operation(0)));
        CHECK(w.upstream.count_committing("certificate.reissue.step2") - charges_before == 1);
        auto cert = orders_of(w, item).at(0);
        CHECK(cert.reissue_count == "1");
        // the upstream is validating the reissue: the service must not read as issued
        CHECK(w.host.item_param(item, "service_status") != "5");
    }
}
