// A randomized soak: many certificate lives (open, the validation re-sends, syncs, issue,
// reissue, renewal, setparam, close), with the faults the other suites prove one kind at a time
// mixed as a real install meets them: upstream faults (a reply lost after commit on the paid calls
// among them), kill -9 at events picked at random (a request held at the upstream before or after
// it is applied, a panel write just made), two runs of one service at once, and BILLmanager's
// retries of the same running operation. At the end every service is driven to a settled
// state with the faults off, and the fake upstream's ledger is reconciled with the panel.
//
// One printed seed decides every choice; SOAK_SEED=S SOAK_LIVES=N replays or extends a run
// (kills land at hooks the fakes hold a run at, so a replay kills at the same points; two
// runs at once still race).
// Seeds that once failed are in soak_regressions.txt and run first.
#include <doctest/doctest.h>

#include <algorithm>
#include <csignal>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <functional>
#include <random>
#include <sstream>
#include <thread>

#include "e2e_util.h"
#include "scrub_property.h"

using namespace pmtest;

namespace {

#ifdef __SANITIZE_ADDRESS__
constexpr int kDefaultLives = 16;  // a SIGKILLed process reports nothing to ASan anyway
#else
constexpr int kDefaultLives = 200;
#endif
// Worlds side by side (SOAK_WORLDS): a run waits on its processes and hooks much of the time.
constexpr int kWorlds = 6;
constexpr int kAttempts = 8;   // BILLmanager's tries of one operation, staff restarts included
constexpr int kDisturbed = 3;  // the first tries meet faults; later ones a healed upstream
// How long a hook holds a run at its kill point: the kill comes within a poll (50 ms) of it.
constexpr int kHoldMs = 3000;
// The upstream's re-send functions, configured (validation commands in the lives).
constexpr const char* kResendConfig =
    "DcvEmailFunction certificate.dcv.email\nDcvDnsFunction certificate.dcv.dns\n";

int env_number(const char* name, int fallback) {
    const char* value = std::getenv(name);
    return value && *value ? std::atoi(value) : fallback;
}

struct Life {
    int item = 0;
    std::string domain;  // its CN: where the validation commands send
    bool with_csr = true;
    bool opened = false;
    bool closed = false;
    std::string first_expiry;  // upstream, when first issued
    int renewals = 0;          // prolong operations completed
    int reissues = 0;          // reopen operations completed
    bool settled = false;      // its last operation completed: nothing left to drive
};

struct Tally {
    int lives = 0, runs = 0, faults = 0, kills = 0, overlaps = 0;
    std::vector<std::string> violations;

    void add(const Tally& other) {
        lives += other.lives;
        runs += other.runs;
        faults += other.faults;
        kills += other.kills;
        overlaps += other.overlaps;
        violations.insert(violations.end(), other.violations.begin(), other.violations.end());
    }
};

// The upstream functions each command calls: where its faults land.
std::vector<std::string> funcs_of(const std::string& command) {
    if (command == "open")
        return {"certificate.order.param", "certificate.order.csr", "certificate",
                "certificate.edit"};
    if (command == "reopen")
        return {"certificate.reissue.step2", "certificate.edit", "certificate.file"};
    if (command == "prolong")
        return {"service.prolong", "certificate.edit"};
    if (command == "close")
        return {"certificate.delete", "certificate"};
    if (command == "send_dv_email")
        return {"certificate.dcv.email", "certificate.edit"};
    if (command == "send_dv_dns")
        return {"certificate.dcv.dns", "certificate.edit"};
    return {"certificate.edit", "certificate.file"};
}

// The panel writes each command makes: where a kill after a write lands.
std::vector<std::string> writes_of(const std::string& command) {
    if (command == "open")
        return {"service.saveparam", "service.postopen"};
    if (command == "reopen")
        return {"service.saveparam", "service.postreopen"};
    if (command == "prolong")
        return {"service.saveparam", "service.setexpiredate", "service.postprolong"};
    if (command == "close")
        return {"service.postclose"};
    if (command == "setparam")
        return {"service.postsetparam"};
    if (command == "send_dv_email")
        return {"service.saveparam"};
    return {"certificate.save", "service.saveparam", "certificate.open"};
}

class Soak {
public:
    Soak(unsigned seed, int lives)
        : seed_(seed), lives_(lives), rng_(seed), w_({{}, true, kResendConfig}) {
        w_.upstream.set_shape("dcv_functions", true,
                              {{"email", "certificate.dcv.email"}, {"dns", "certificate.dcv.dns"}});
    }

    Tally run() {
        for (int i = 0; i < lives_; ++i)
            live();
        settle();
        reconcile();
        check_secrets();
        tally_.lives = lives_;
        return tally_;
    }

private:
    bool chance(double p) { return std::uniform_real_distribution<double>(0, 1)(rng_) < p; }
    int between(int low, int high) { return std::uniform_int_distribution<int>(low, high)(rng_); }
    template <typename T>
    const T& pick(const std::vector<T>& from) {
        return from[static_cast<size_t>(between(0, static_cast<int>(from.size()) - 1))];
    }

    void violation(const Life& life, const std::string& what) {
        tally_.violations.push_back("seed " + std::to_string(seed_) + ", item " +
                                    std::to_string(life.item) + ": " + what);
    }

    std::vector<std::string> args(const std::string& command, const Life& life, int operation) {
        std::vector<std::string> a{"--command", command, "--item", std::to_string(life.item)};
        if (command == "send_dv_email")
            a.insert(a.end(), {"--emails", "hostmaster@" + life.domain});
        if (command == "send_dv_dns")
            a.insert(a.end(), {"--domain", life.domain});
        if (operation)
            a.insert(a.end(), {"--runningoperation", std::to_string(operation)});
        return a;
    }

    void inject_fault(const std::string& command) {
        const std::string func = pick(funcs_of(command));
        static const std::vector<std::string> kinds = {"drop_silently_after_commit",
                                                       "drop_after_commit",
                                                       "http502",
                                                       "truncated",
                                                       "proxy_4xx",
                                                       "error_xml",
                                                       "empty"};
        const std::string& kind = pick(kinds);
        FaultOptions options(1);
        options.commit = kind == "proxy_4xx" && chance(0.5);
        w_.upstream.fault(func, kind, options);
        ++tally_.faults;
    }

    // Killed -9 at an event of its run, picked at random: a request reaching the upstream,
    // held there before it is applied or after it was (its reply not yet sent), or a write
    // to the panel just applied. True when the run never reached the event and finished.
    bool killed_run(const std::string& command, const std::vector<std::string>& a) {
        const double where = std::uniform_real_distribution<double>(0, 1)(rng_);
        std::function<bool()> reached;
        if (where < 0.6) {
            const std::string func = pick(funcs_of(command));
            const int before = w_.upstream.count(func);
            w_.upstream.fault(func, where < 0.3 ? "hang" : "hang_after_commit",
                              FaultOptions(1, kHoldMs));
            reached = [this, func, before] { return w_.upstream.count(func) > before; };
        } else {
            const std::string func = pick(writes_of(command));
            const auto before = calls_size();
            w_.host.hang(func, "", HangWhen::kAfter, kHoldMs / 1000.0);
            reached = [this, func, before] { return panel_called(func, before); };
        }
        Child module = w_.start(a);
        wait_until([&] { return reached() || !module.running(); },
                   std::chrono::milliseconds(20000));
        const bool landed = module.running();
        module.signal_group(SIGKILL);
        const bool done = module.wait() == 0;
        // a hook the run never reached must not outlive its try
        if (where < 0.6)
            w_.upstream.clear_faults();
        else
            w_.host.clear_faults();
        if (landed)
            ++tally_.kills;
        return done && !landed;
    }

    std::uintmax_t calls_size() const {
        std::error_code ignored;
        const auto size = std::filesystem::file_size(mgrctl_calls_path(w_.host.root()), ignored);
        return ignored ? 0 : size;
    }

    // The panel's call log, from byte `offset` on, has a call of `func`.
    bool panel_called(const std::string& func, std::uintmax_t offset) const {
        std::ifstream in(mgrctl_calls_path(w_.host.root()), std::ios::binary);
        in.seekg(static_cast<std::streamoff>(offset));
        for (std::string line; std::getline(in, line);)
            if (!line.empty() && call_from_record(decode_record(line)).func == func)
                return true;
        return false;
    }

    // Two runs of the operation at once (staff pressed "Execute" on a running one).
    bool overlapping_runs(const std::vector<std::string>& a) {
        ModuleResult first, second;
        std::thread other([&] { second = w_.run_unrecorded(a); });
        first = w_.run_unrecorded(a);
        other.join();
        ++tally_.overlaps;
        return first.exit_code == 0 || second.exit_code == 0;
    }

    bool disturbed_run(const std::string& command, const std::vector<std::string>& a) {
        const double roll = std::uniform_real_distribution<double>(0, 1)(rng_);
        bool done;
        if (roll < 0.3) {
            done = w_.run_unrecorded(a).exit_code == 0;
        } else if (roll < 0.65) {
            inject_fault(command);
            done = w_.run_unrecorded(a).exit_code == 0;
            w_.upstream.clear_faults();  // one that did not fire must not outlive its try
        } else if (roll < 0.85) {
            done = killed_run(command, a);
        } else {
            done = overlapping_runs(a);
        }
        return done;
    }

    // One BILLmanager operation, retried with the same running operation until it is done.
    bool operate(Life& life, const std::string& command, bool running_operation = true) {
        const int operation = running_operation ? w_.host.add_running_operation(0) : 0;
        const auto a = args(command, life, operation);
        for (int attempt = 0; attempt < kAttempts; ++attempt) {
            ++tally_.runs;
            const bool done = attempt < kDisturbed ? disturbed_run(command, a)
                                                   : w_.run_unrecorded(a).exit_code == 0;
            if (done)
                return life.settled = true;
        }
        violation(life, command + " never completed");
        return life.settled = false;
    }

    std::string upstream_expiry(const Life& life) {
        for (const auto& cert : orders_of(w_, life.item))
            return cert.expiredate;
        return "";
    }

    bool issue(Life& life) {
        auto id = w_.host.item_param(life.item, "upstream_id");
        if (!id)
            return false;
        w_.upstream.advance(*id, "issued");
        return operate(life, "sync_item", false);
    }

    void live() {
        Life life;
        life.with_csr = chance(0.7);
        const CertificateOrder order = w_.add_order({});
        life.item = order.item;
        life.domain = order.domains.at(0);
        if (!life.with_csr)
            w_.host.db().execute("DELETE FROM certificate WHERE item = ?",
                                 {std::to_string(life.item)});
        life.opened = operate(life, "open");
        if (life.opened && chance(0.3))  // the client re-sends the validation before issue
            operate(life, chance(0.5) ? "send_dv_email" : "send_dv_dns");
        if (life.opened && issue(life)) {
            life.first_expiry = upstream_expiry(life);
            if (chance(0.6) && operate(life, "reopen")) {
                ++life.reissues;
                issue(life);
            }
            if (chance(0.6) && operate(life, "prolong"))
                ++life.renewals;
            if (chance(0.3))
                operate(life, "setparam");
        }
        if (chance(0.4))
            life.closed = operate(life, "close");
        lives_done_.push_back(life);
    }

    // Faults off: what every service ends as once BILLmanager's next sync ran.
    // A service whose last operation completed is settled already (each try of it ran with
    // the faults of that try only); the others get BILLmanager's next sync.
    void settle() {
        w_.upstream.clear_faults();
        w_.host.clear_faults();
        for (Life& life : lives_done_)
            if (life.opened && !life.closed && !life.settled)
                operate(life, "sync_item", false);
    }

    void reconcile() {
        std::map<std::string, const Life*> by_item;
        for (const Life& life : lives_done_)
            by_item[std::to_string(life.item)] = &life;
        for (const auto& cert : w_.upstream.state()) {
            auto owner = by_item.find(cert.remoteid);
            const bool paid = cert.item_status != "4";
            if (paid && (owner == by_item.end() || owner->second->closed))
                tally_.violations.push_back("seed " + std::to_string(seed_) +
                                            ": paid upstream certificate " + cert.id +
                                            " of a closed or unknown service " + cert.remoteid);
        }
        for (const Life& life : lives_done_)
            reconcile(life);
    }

    void reconcile(const Life& life) {
        const auto orders = orders_of(w_, life.item);
        if (life.opened && orders.size() != 1)
            return violation(life, std::to_string(orders.size()) + " orders for one service");
        if (!life.opened)
            return;
        const CertificateState& cert = orders.front();
        if (std::stoi(cert.reissue_count.empty() ? "0" : cert.reissue_count) > life.reissues)
            violation(life, cert.reissue_count + " reissues for " + std::to_string(life.reissues) +
                                " reopen operations");
        if (!life.first_expiry.empty() &&
            cert.expiredate != add_months(life.first_expiry, 12 * life.renewals))
            violation(life, "expiry " + cert.expiredate + " after " +
                                std::to_string(life.renewals) + " renewals from " +
                                life.first_expiry);
        const bool active_here = w_.host.item_status(life.item) == 2;
        if (active_here &&
            (cert.item_status == "4" || w_.host.item_param(life.item, "upstream_id") != cert.id))
            violation(life, "active here without its upstream certificate");
        if (life.closed && cert.item_status != "4")
            violation(life, "closed here, still paid upstream");
    }

    void check_secrets() {
        const std::string secrets[] = {kUpstreamPassword, MariaDbServer::kBillmgrPassword};
        std::string argv;
        for (const auto& call : w_.host.calls())
            for (const auto& arg : call.argv)
                argv += arg + "\n";
        const std::string log = w_.log();
        for (const auto& secret : secrets) {  // in any encoding the scrubber hides
            if (scrub::surviving_at(log, secret))
                tally_.violations.push_back("seed " + std::to_string(seed_) +
                                            ": a secret in the log");
            if (scrub::surviving_at(argv, secret))
                tally_.violations.push_back("seed " + std::to_string(seed_) +
                                            ": a secret in mgrctl's argv");
        }
        if (argv.find("PRIVATE KEY") != std::string::npos)
            tally_.violations.push_back("seed " + std::to_string(seed_) +
                                        ": a private key in mgrctl's argv");
        if (log.find("PRIVATE KEY-----") != std::string::npos)
            tally_.violations.push_back("seed " + std::to_string(seed_) +
                                        ": a private key in the log");
    }

    unsigned seed_;
    int lives_;
    std::mt19937 rng_;
    World w_;
    std::vector<Life> lives_done_;
    Tally tally_;
};

// SOAK_WORLDS (default kWorlds) soaks side by side, world i on seed + i, the lives shared out.
Tally soak(unsigned seed, int lives) {
    const int count = std::max(1, env_number("SOAK_WORLDS", kWorlds));
    std::vector<std::unique_ptr<Soak>> worlds;
    for (int i = 0; i < count; ++i)  // built here: the fakes start in one thread
        worlds.push_back(std::make_unique<Soak>(seed + static_cast<unsigned>(i),
                                                lives / count + (i < lives % count)));
    std::vector<Tally> tallies(worlds.size());
    std::vector<std::thread> threads;
    for (size_t i = 0; i < worlds.size(); ++i)
        threads.emplace_back([&, i] { tallies[i] = worlds[i]->run(); });
    for (auto& thread : threads)
        thread.join();
    Tally total;
    for (const Tally& t : tallies)
        total.add(t);
    return total;
}

std::vector<std::pair<unsigned, int>> soak_regression_seeds() {
    std::vector<std::pair<unsigned, int>> seeds;
    for (const auto& record : regression_records(SOAK_REGRESSIONS))
        if (record.size() >= 2)
            seeds.emplace_back(static_cast<unsigned>(record[0]), static_cast<int>(record[1]));
    return seeds;
}

void report(const Tally& t, unsigned seed, double seconds) {
    MESSAGE(t.lives << " lives, " << t.runs << " module runs, " << t.faults << " upstream faults, "
                    << t.kills << " kills, " << t.overlaps << " overlapping pairs, "
                    << t.violations.size() << " violations in " << seconds << " s (seed " << seed
                    << "; replay: SOAK_SEED=" << seed << " SOAK_LIVES=" << t.lives << ")");
    for (const auto& v : t.violations)
        FAIL_CHECK(v);
}

}  // namespace

TEST_CASE("soak: seeds that once failed") {
    for (const auto& [seed, lives] : soak_regression_seeds()) {
        const auto started = std::chrono::steady_clock::now();
        Tally t = soak(seed, lives);
        report(t, seed,
               std::chrono::duration<double>(std::chrono::steady_clock::now() - started).count());
    }
}

TEST_CASE("soak: many certificate lives, every fault mixed, one charge each") {
    const unsigned seed = seed_from_environment("SOAK_SEED");
    const int lives = env_number("SOAK_LIVES", kDefaultLives);
    const auto started = std::chrono::steady_clock::now();
    Tally t = soak(seed, lives);
    report(t, seed,
           std::chrono::duration<double>(std::chrono::steady_clock::now() - started).count());
    CHECK(t.lives == lives);
}
