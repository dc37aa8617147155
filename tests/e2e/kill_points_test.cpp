// kill -9 at random points of the commands that move money: open (with a CSR, and without one,
// where the upstream makes the key), prolong and reopen. After each kill BILLmanager runs the
// same operation again until it succeeds. Whatever the point, each service ends with exactly one
// order, one renewal per renewal operation and one reissue upstream, and the next renewal
// (a new operation) still renews.
#include <doctest/doctest.h>

#include <chrono>
#include <csignal>
#include <cstdlib>
#include <random>
#include <thread>

#include "e2e_util.h"

using namespace pmtest;

namespace {

using Clock = std::chrono::steady_clock;
using std::chrono::milliseconds;

constexpr int kWorlds = 8;
constexpr int kServicesPerWorld = 9;  // 8 x 9 services x 3 killed commands = 216 kill points
constexpr int kMaxReruns = 5;

std::vector<std::string> item_args(const std::string& command, int item, int operation) {
    std::vector<std::string> args{"--command", command, "--item", std::to_string(item)};
    if (operation)
        args.insert(args.end(), {"--runningoperation", std::to_string(operation)});
    return args;
}

milliseconds timed_run(World& w, const std::vector<std::string>& args) {
    const auto started = Clock::now();
    ModuleResult r = w.run(args);
    INFO(r.out);
    REQUIRE(r.exit_code == 0);
    return std::chrono::duration_cast<milliseconds>(Clock::now() - started);
}

struct KillStats {
    int points = 0;  // kills sent
    int hit = 0;     // kills that found the command still running
};

// Starts the command, kills its process group after `delay`, then reruns the same operation
// as BILLmanager does until it succeeds (false, and a failed check, when it never does).
bool kill_then_finish(World& w, const std::vector<std::string>& args, milliseconds delay,
                      KillStats& stats) {
    Child module = w.start(args);
    std::this_thread::sleep_for(delay);
    module.signal_group(SIGKILL);
    const int status = module.wait();
    ++stats.points;
    if (status == 0)
        return true;  // it finished before the kill: BILLmanager has nothing to run again
    if (status == -SIGKILL)
        ++stats.hit;
    ModuleResult r;
    for (int rerun = 1; rerun <= kMaxReruns; ++rerun) {
        r = w.run(args);
        if (r.exit_code == 0)
            return true;
    }
    FAIL_CHECK(args.at(1) << " never completed after a kill at " << delay.count()
                          << " ms; last answer: " << r.out);
    return false;
}

// How long each command takes here, on a service of its own, so the kills spread over it.
struct Durations {
    milliseconds open_with_csr{}, open_without_csr{}, prolong{}, reopen{};
};

void remove_csr(World& w, int item) {
    w.host.db().execute("DELETE FROM certificate WHERE item = ?", {std::to_string(item)});
}

void issue(World& w, int item) {
    w.upstream.advance(*w.host.item_param(item, "upstream_id"), "issued");
    REQUIRE(w.run_item("sync_item", item).exit_code == 0);
}

Durations measure(World& w) {
    Durations d;
    const int with_csr = w.add_order({}).item;
    const int without_csr = w.add_order({}).item;
    remove_csr(w, without_csr);
    d.open_with_csr = timed_run(w, item_args("open", with_csr, 0));
    d.open_without_csr = timed_run(w, item_args("open", without_csr, 0));
    issue(w, with_csr);
    d.prolong = timed_run(w, item_args("prolong", with_csr, w.host.add_running_operation(0)));
    d.reopen = timed_run(w, item_args("reopen", with_csr, w.host.add_running_operation(0)));
    return d;
}

struct KilledService {
    int item = 0;
    bool with_csr = true;
    std::string first_expiry;  // upstream, before any renewal
};

class Killer {
public:
    Killer(World& w, std::mt19937& rng, KillStats& stats) : w_(w), rng_(rng), stats_(stats) {}

    bool kill_during(const std::vector<std::string>& args, milliseconds duration) {
        // From the first instruction to the last write-back: the measured run is one sample, so
        // a spread past its end would waste kills on a machine that got faster since.
        std::uniform_int_distribution<long> spread(0, duration.count());
        return kill_then_finish(w_, args, milliseconds(spread(rng_)), stats_);
    }

private:
    World& w_;
    std::mt19937& rng_;
    KillStats& stats_;
};

// open, prolong and reopen, each killed once and finished; then a clean next renewal.
bool run_killed_lifecycle(World& w, Killer& killer, const Durations& d, KilledService& s) {
    if (!killer.kill_during(item_args("open", s.item, 0),
                            s.with_csr ? d.open_with_csr : d.open_without_csr))
        return false;
    issue(w, s.item);
    s.first_expiry = the_order(w, s.item).expiredate;
    if (!killer.kill_during(item_args("prolong", s.item, w.host.add_running_operation(0)),
                            d.prolong))
        return false;
    if (!killer.kill_during(item_args("reopen", s.item, w.host.add_running_operation(0)), d.reopen))
        return false;
    // The next renewal is a new operation: whatever the kills left must not swallow it.
    w.upstream.advance(*w.host.item_param(s.item, "upstream_id"), "issued");
    ModuleResult next = w.run(item_args("prolong", s.item, w.host.add_running_operation(0)));
    INFO(next.out);
    CHECK(next.exit_code == 0);
    return true;
}

void check_one_charge_each(World& w, const KilledService& s) {
    CAPTURE(s.item);
    CAPTURE(s.with_csr);
    const CertificateState cert = the_order(w, s.item);  // one order
    CHECK(w.host.item_param(s.item, "upstream_id") == cert.id);
    CHECK(cert.reissue_count == "1");                          // one reissue
    CHECK(cert.expiredate == add_months(s.first_expiry, 24));  // one renewal per operation
    CHECK(w.host.item_expiredate(s.item) == cert.expiredate);
}

}  // namespace

TEST_CASE("kill -9 at 200+ points of open, prolong and reopen: one charge each") {
    unsigned seed = static_cast<unsigned>(std::random_device{}());
    if (const char* given = std::getenv("PMTEST_KILL_SEED"))
        seed = static_cast<unsigned>(std::strtoul(given, nullptr, 10));
    MESSAGE("seed " << seed << " (rerun with PMTEST_KILL_SEED=" << seed << ")");
    std::mt19937 rng(seed);
    KillStats stats;
    const auto started = Clock::now();

    for (int world = 0; world < kWorlds; ++world) {
        World w;
        const Durations d = measure(w);
        Killer killer(w, rng, stats);
        std::vector<KilledService> services;
        for (int i = 0; i < kServicesPerWorld; ++i) {
            KilledService s{w.add_order({}).item, i % 2 == 0, ""};
            if (!s.with_csr)
                remove_csr(w, s.item);
            CAPTURE(s.item);
            if (!run_killed_lifecycle(w, killer, d, s))
                continue;  // reported; the other services still run
            services.push_back(s);
        }
        for (const KilledService& s : services)
            check_one_charge_each(w, s);
    }
    const auto seconds =
        std::chrono::duration_cast<std::chrono::seconds>(Clock::now() - started).count();
    MESSAGE(stats.points << " kill points (" << stats.hit << " while running) in " << seconds
                         << " s, seed " << seed);
    CHECK(stats.points >= 200);
    // The kills land inside the commands (a run that got faster than its measure lets a few
    // through; one CI run on 2 loaded cores hit 79.6% with a spread to 110%).
    CHECK(stats.hit * 4 >= stats.points * 3);
}
