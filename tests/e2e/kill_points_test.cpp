// kill -9 at every observed event of the commands that move money: open (with a CSR, and
// without one, where the upstream makes the key), prolong and reopen. A reference run of each
// command lists its events: every mgrctl call (held before it applies, and after, with the
// reply not yet read) and every upstream request (held unanswered before it applies, and for
// one that can charge, applied with its reply lost). Each killed run is held at one of them by
// the fakes' hang hooks, and killed once the fake reports the hold: where the kill landed, and
// whether the charging call had been made, is observed, not guessed from a delay. BILLmanager
// then runs the same operation again until it succeeds. Whatever the event, each service ends
// with exactly one order, one renewal per renewal operation and one reissue upstream, and the
// next renewal (a new operation) still renews.
//
// The seed (PMTEST_KILL_SEED, printed) pairs the kill points of one service's open, prolong and
// reopen; every point of every command is killed at whatever the seed. The services of seeds
// that once failed are in kill_regressions.txt and run first.
#include <doctest/doctest.h>

#include <algorithm>
#include <chrono>
#include <csignal>
#include <map>
#include <random>
#include <set>

#include "e2e_util.h"

using namespace pmtest;

namespace {

constexpr int kMaxReruns = 5;
constexpr int kHoldSeconds = 30;  // far longer than a kill takes to follow the event

const std::set<std::string> kChargingCalls = {"certificate.order.param", "service.prolong",
                                              "certificate.reissue.step2"};

enum class Hold { kBeforeMgrctl, kInsideMgrctl, kUpstreamHeld, kUpstreamReplyLost };

// An event of a command's run, and how the fakes hold the run there.
struct KillPoint {
    Hold hold = Hold::kBeforeMgrctl;
    std::string func;
    std::string match;  // mgrctl: a "name=value" the call carries (service.saveparam's name)
    int skip = 0;       // calls of func (with match) let through before the held one

    std::string name() const {
        const std::string nth = " #" + std::to_string(skip + 1);
        const std::string call = func + (match.empty() ? "" : " " + match) + nth;
        switch (hold) {
            case Hold::kBeforeMgrctl:
                return "before mgrctl " + call + " (nothing applied)";
            case Hold::kInsideMgrctl:
                return "at mgrctl " + call + " (applied, its answer not yet read)";
            case Hold::kUpstreamHeld:
                return "upstream " + call + " received and held, not applied";
            case Hold::kUpstreamReplyLost:
                return "upstream " + call + " applied, its reply lost";
        }
        return call;
    }
};

// The events of the run just made (records cleared before it), in the order of each fake.
std::vector<KillPoint> kill_points_of(World& w) {
    std::vector<KillPoint> points;
    std::map<std::pair<std::string, std::string>, int> seen;
    for (const MgrctlCall& call : w.host_calls()) {
        if (call.func == "paramlist")
            continue;  // a read
        const std::string match = call.has("name") ? "name=" + call.param("name") : "";
        const int skip = seen[{call.func, match}]++;
        points.push_back({Hold::kBeforeMgrctl, call.func, match, skip});
        points.push_back({Hold::kInsideMgrctl, call.func, match, skip});
    }
    std::map<std::string, int> seen_of_func;
    for (const Request& request : w.upstream_calls()) {
        const int skip = seen_of_func[request.func]++;
        points.push_back({Hold::kUpstreamHeld, request.func, "", skip});
        if (request.has("sok"))  // the requests that apply something
            points.push_back({Hold::kUpstreamReplyLost, request.func, "", skip});
    }
    return points;
}

std::vector<std::string> item_args(const std::string& command, int item, int operation) {
    std::vector<std::string> args{"--command", command, "--item", std::to_string(item)};
    if (operation)
        args.insert(args.end(), {"--runningoperation", std::to_string(operation)});
    return args;
}

void remove_csr(World& w, int item) {
    w.host.db().execute("DELETE FROM certificate WHERE item = ?", {std::to_string(item)});
}

void issue(World& w, int item) {
    w.upstream.advance(*w.host.item_param(item, "upstream_id"), "issued");
    REQUIRE(w.run_item("sync_item", item).exit_code == 0);
}

// How many times the fake reported the hold of this point so far.
int holds_seen(World& w, const KillPoint& p) {
    switch (p.hold) {
        case Hold::kBeforeMgrctl:
            return w.host.hangs_begun(p.func, HangWhen::kBefore);
        case Hold::kInsideMgrctl:
            return w.host.hangs_begun(p.func, HangWhen::kAfter);
        case Hold::kUpstreamHeld:
        case Hold::kUpstreamReplyLost:
            return w.upstream.count(p.func) > p.skip ? w.upstream.count(p.func) - p.skip : 0;
    }
    return 0;
}

void arm(World& w, const KillPoint& p) {
    const HangWhen when = p.hold == Hold::kBeforeMgrctl ? HangWhen::kBefore : HangWhen::kAfter;
    if (p.hold == Hold::kBeforeMgrctl || p.hold == Hold::kInsideMgrctl) {
        w.host.hang(p.func, p.match, when, kHoldSeconds, p.skip);
        return;
    }
    FaultOptions options(1, kHoldSeconds * 1000);
    options.skip = p.skip;
    w.upstream.fault(p.func, p.hold == Hold::kUpstreamHeld ? "hang" : "hang_after_commit", options);
}

int charging_requests(World& w) {
    int n = 0;
    for (const std::string& func : kChargingCalls)
        n += w.upstream.count_committing(func);
    return n;
}

const std::set<bool> kBothSides = {false, true};

struct Tally {
    int kills = 0;
    std::map<std::string, std::set<bool>> charged_at_kill;  // command: seen before / after
    std::string report;                                     // one line per kill
};

// Starts the command held at the point, kills its process group once the fake reports the
// hold, then reruns the same operation as BILLmanager does until it succeeds.
void kill_at(World& w, const std::vector<std::string>& args, const KillPoint& point, Tally& t) {
    INFO(args.at(1) << " killed " << point.name());
    w.upstream.clear_requests();  // counts from here: upstream events are the n-th of a func
    const int holds_before = holds_seen(w, point);
    arm(w, point);
    Child module = w.start(args);
    const bool held =
        wait_until([&] { return holds_seen(w, point) > holds_before || !module.running(); },
                   std::chrono::seconds(kHoldSeconds - 10));
    const bool reached = held && module.running() && holds_seen(w, point) > holds_before;
    // Whether the charging call was applied when the kill landed: a held one was not.
    const int charging = charging_requests(w) -
                         (point.hold == Hold::kUpstreamHeld && kChargingCalls.count(point.func));
    module.signal_group(SIGKILL);
    const int status = module.wait();
    w.host.kill_held_calls();  // the module's mgrctl child dies with it, as in a crash
    w.host.clear_faults();
    w.upstream.clear_faults();
    CHECK_MESSAGE(reached, "the run never reached the event (exit " << status << ")");
    CHECK(status == -SIGKILL);
    ++t.kills;
    t.charged_at_kill[args.at(1)].insert(charging > 0);
    t.report += args.at(1) + " item " + args.at(3) + " killed " + point.name() + ", " +
                (charging > 0 ? "after" : "before") + " the charging call\n";
    ModuleResult r;
    for (int rerun = 1; rerun <= kMaxReruns; ++rerun) {
        r = w.run(args);
        if (r.exit_code == 0)
            return;
    }
    FAIL_CHECK("never completed after the kill; last answer: " << r.out);
}

struct CommandPoints {
    std::vector<KillPoint> open_with_csr, open_without_csr, prolong, reopen;
};

// One clean run of each command, on services of its own, to list its events.
CommandPoints reference_runs(World& w) {
    CommandPoints points;
    const int with_csr = w.add_order({}).item;
    const int without_csr = w.add_order({}).item;
    remove_csr(w, without_csr);
    auto listed = [&w](const std::vector<std::string>& args) {
        w.clear_records();
        ModuleResult r = w.run(args);
        INFO(r.out);
        REQUIRE(r.exit_code == 0);
        return kill_points_of(w);
    };
    points.open_with_csr = listed(item_args("open", with_csr, 0));
    points.open_without_csr = listed(item_args("open", without_csr, 0));
    issue(w, with_csr);
    points.prolong = listed(item_args("prolong", with_csr, w.host.add_running_operation(0)));
    points.reopen = listed(item_args("reopen", with_csr, w.host.add_running_operation(0)));
    return points;
}

struct KilledService {
    size_t index = 0;  // in the seed's plan: "<seed> <index>" in kill_regressions.txt replays it
    int item = 0;
    bool with_csr = true;
    KillPoint open, prolong, reopen;
    std::string first_expiry;  // upstream, before any renewal
};

// Every point of every command on some service; the seed pairs them.
std::vector<KilledService> plan(const CommandPoints& points, std::mt19937& rng) {
    // Without a CSR, only the events a CSR run does not have (the key's): the rest are the same.
    std::vector<std::pair<bool, KillPoint>> opens;
    std::set<std::string> with_csr;
    for (const KillPoint& p : points.open_with_csr) {
        opens.emplace_back(true, p);
        with_csr.insert(p.name());
    }
    for (const KillPoint& p : points.open_without_csr)
        if (!with_csr.count(p.name()))
            opens.emplace_back(false, p);
    const size_t services = std::max({opens.size(), points.prolong.size(), points.reopen.size()});
    auto cycled = [&rng, services](auto all) {
        std::shuffle(all.begin(), all.end(), rng);
        for (size_t i = 0; all.size() < services; ++i)
            all.push_back(all[i]);
        return all;
    };
    opens = cycled(opens);
    const std::vector<KillPoint> prolongs = cycled(points.prolong);
    const std::vector<KillPoint> reopens = cycled(points.reopen);
    std::vector<KilledService> out;
    for (size_t i = 0; i < services; ++i)
        out.push_back({i, 0, opens[i].first, opens[i].second, prolongs[i], reopens[i], ""});
    return out;
}

// open, prolong and reopen, each killed at its point and finished; then a clean next renewal.
void run_killed_lifecycle(World& w, KilledService& s, Tally& t) {
    kill_at(w, item_args("open", s.item, 0), s.open, t);
    issue(w, s.item);
    s.first_expiry = the_order(w, s.item).expiredate;
    kill_at(w, item_args("prolong", s.item, w.host.add_running_operation(0)), s.prolong, t);
    kill_at(w, item_args("reopen", s.item, w.host.add_running_operation(0)), s.reopen, t);
    // The next renewal is a new operation: whatever the kills left must not swallow it.
    w.upstream.advance(*w.host.item_param(s.item, "upstream_id"), "issued");
    ModuleResult next = w.run(item_args("prolong", s.item, w.host.add_running_operation(0)));
    INFO(next.out);
    CHECK(next.exit_code == 0);
}

void check_one_charge_each(World& w, const KilledService& s) {
    CAPTURE(s.item);
    CAPTURE(s.with_csr);
    INFO("service " << s.index << " of the seed's plan");
    INFO("open killed " << s.open.name() << "; prolong killed " << s.prolong.name()
                        << "; reopen killed " << s.reopen.name());
    const CertificateState cert = the_order(w, s.item);  // one order
    CHECK(w.host.item_param(s.item, "upstream_id") == cert.id);
    CHECK(cert.reissue_count == "1");                          // one reissue
    CHECK(cert.expiredate == add_months(s.first_expiry, 24));  // one renewal per operation
    std::string dates;  // what the module wrote, for a failure's message
    for (const MgrctlCall& call : w.host_calls("service.setexpiredate"))
        if (call.param("elid") == std::to_string(s.item))
            dates += " " + call.param("expiredate");
    INFO("setexpiredate calls:" << dates);
    CHECK(w.host.item_expiredate(s.item).value_or("none") == cert.expiredate);
}

// The reference runs, once per world: the kill points of each command.
CommandPoints listed_points(World& w) {
    const CommandPoints points = reference_runs(w);
    for (const auto* command : {&points.open_with_csr, &points.prolong, &points.reopen})
        REQUIRE(std::any_of(command->begin(), command->end(), [](const KillPoint& p) {
            return kChargingCalls.count(p.func) && p.hold == Hold::kUpstreamReplyLost;
        }));
    return points;
}

// Every point of every command killed on services of their own, paired by the seed; or only
// the services of its plan given (a regression's).
void kill_everywhere(World& w, const CommandPoints& points, unsigned seed,
                     const std::vector<unsigned long>& only = {}) {
    MESSAGE("seed " << seed << " (rerun with PMTEST_KILL_SEED=" << seed << ")");
    std::mt19937 rng(seed);
    const auto started = std::chrono::steady_clock::now();
    std::vector<KilledService> services = plan(points, rng);
    if (!only.empty())
        services.erase(std::remove_if(services.begin(), services.end(),
                                      [&only](const KilledService& s) {
                                          return std::find(only.begin(), only.end(), s.index) ==
                                                 only.end();
                                      }),
                       services.end());
    Tally t;
    for (KilledService& s : services) {
        s.item = w.add_order({}).item;
        if (!s.with_csr)
            remove_csr(w, s.item);
        CAPTURE(s.item);
        run_killed_lifecycle(w, s, t);
    }
    for (const KilledService& s : services)
        check_one_charge_each(w, s);
    // Each command was killed on both sides of its charging call.
    for (const char* command : {"open", "prolong", "reopen"})
        if (only.empty())
            CHECK_MESSAGE(t.charged_at_kill[command] == kBothSides, command);
    const auto seconds =
        std::chrono::duration_cast<std::chrono::seconds>(std::chrono::steady_clock::now() - started)
            .count();
    MESSAGE(t.report << t.kills << " kills at observed events on " << services.size()
                     << " services in " << seconds << " s, seed " << seed);
}

}  // namespace

// One world for all seeds (its reference runs are the same): seeds that once failed first.
TEST_CASE("kill -9 at every event of open, prolong and reopen: one charge each") {
    World w;
    w.upstream.set_balance("100000.00");  // every pass buys about 25 certificates' lives
    const CommandPoints points = listed_points(w);
    for (const auto& record : regression_records(KILL_REGRESSIONS)) {
        CAPTURE(record.front());
        kill_everywhere(w, points, static_cast<unsigned>(record.front()),
                        {record.begin() + 1, record.end()});
    }
    kill_everywhere(w, points, seed_from_environment("PMTEST_KILL_SEED"));
}
