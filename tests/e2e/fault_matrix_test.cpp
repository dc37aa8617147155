// The fault matrix: every upstream function the module calls, hit by every way an upstream
// or the network in between can fail it, in the command that calls it. Each cell asserts what
// a provider relies on: a clear error, no charging request sent twice, a local state the next
// run reads right, and a next run that completes without charging again.
#include <doctest/doctest.h>

#include <algorithm>
#include <cctype>
#include <chrono>
#include <cstdlib>
#include <functional>
#include <iterator>
#include <optional>

#include "core/error.h"
#include "e2e_util.h"

using namespace pmtest;

namespace {

// The requests that cost money upstream: at most one of them may be sent per run.
const char* const kChargingFuncs[] = {"certificate.order.param", "service.prolong",
                                      "certificate.reissue.step2"};

int charging_requests(World& w) {
    int total = 0;
    for (const char* func : kChargingFuncs)
        total += w.upstream.count_committing(func);
    return total;
}

struct FaultKind {
    const char* name;
    const char* kind;  // a fake-upstream fault kind
    int delay_ms;
    bool commit;  // partial and trickle: the upstream applies the request first
    // The upstream carried the request out, but no reply, or only part of one, came back.
    bool reply_lost;
    // The module cannot rule out that the upstream acted (anything but an error document).
    bool outcome_unknown;
    const char* error_type;  // of a read; a charging call with a lost reply: unknown outcome
    const char* word;        // a word the error message must contain (lower case)
};

// Timeout is 3 s in the faulty run: a hang and a trickle last longer than that.
const FaultKind kFaultKinds[] = {
    {"silent close of a reused connection", "drop_silently_after_commit", -1, false, true, true,
     pmb::errtype::kConnection, "empty reply"},
    {"reply cut after commit", "drop_after_commit", -1, false, true, true,
     pmb::errtype::kConnection, "transfer closed"},
    {"partial reply", "partial", -1, true, true, true, pmb::errtype::kConnection,
     "transfer closed"},
    {"hang past the timeout", "hang_after_commit", 8000, false, true, true,
     pmb::errtype::kConnection, "timed out"},
    {"slow trickle", "trickle", 400, true, true, true, pmb::errtype::kConnection, "timed out"},
    {"HTTP 500", "http500", -1, false, false, true, pmb::errtype::kBadResponse, "500"},
    {"HTML page", "html", -1, false, false, true, pmb::errtype::kBadResponse, "html"},
    {"empty body", "empty", -1, false, false, true, pmb::errtype::kBadResponse, "empty"},
    {"truncated XML", "truncated", -1, false, false, true, pmb::errtype::kBadResponse, "xml"},
    {"error document", "error_xml", -1, false, false, false, pmb::errtype::kUpstream,
     "injected fault"},
};

// Short enough for a quick hang, no read retries so that every fault reaches the command.
const char* const kFaultConfig = "Timeout 3\nConnectTimeout 2\nReadRetries 0\n";
const char* const kRetryConfig = "Timeout 20\nConnectTimeout 5\nReadRetries 0\n";

FaultOptions options_of(const FaultKind& fault) {
    FaultOptions options(1, fault.delay_ms);
    options.commit = fault.commit;
    return options;
}

std::string lower(std::string text) {
    std::transform(text.begin(), text.end(), text.begin(),
                   [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
    return text;
}

std::string upstream_id(World& w, int item) {
    return w.host.item_param(item, "upstream_id").value_or("");
}

// One service in the state the cell's command starts from.
struct Service {
    int item = 0;
    std::string upstream_expiry;  // prolong rows: the expiry before the renewal
};

enum class Command { kOpen, kSyncItem, kReopen, kProlong, kClose, kImportPricelist };

struct Row {
    const char* name;
    const char* func;  // the upstream function the fault hits
    Command command;
    std::function<Service(World&)> prepare;
};

const char* command_name(Command command) {
    switch (command) {
        case Command::kOpen:
            return "open";
        case Command::kSyncItem:
            return "sync_item";
        case Command::kReopen:
            return "reopen";
        case Command::kProlong:
            return "prolong";
        case Command::kClose:
            return "close";
        case Command::kImportPricelist:
            return "import_pricelist";
    }
    return "";
}

Service new_service(World& w) {
    return {w.add_order({}).item, ""};
}

// An order with no CSR: the upstream makes the key (certificate.order.csr first).
Service service_without_csr(World& w) {
    Service s = new_service(w);
    w.host.db().execute("DELETE FROM certificate WHERE item = ?", {std::to_string(s.item)});
    return s;
}

// An earlier open failed with an answer that did not buy anything, but the module could not
// be sure: the attempt is recorded and no order exists, so open starts with the list.
Service service_with_unsent_attempt(World& w) {
    Service s = new_service(w);
    w.upstream.fault("certificate.order.param", "http502");
    REQUIRE(w.run_item("open", s.item).exit_code == 1);
    REQUIRE(w.host.item_param(s.item, "order_attempt"));
    REQUIRE(orders_of(w, s.item).empty());
    return s;
}

// An earlier open's order went through but its reply was lost: the next open must find it.
Service service_with_lost_order(World& w) {
    Service s = new_service(w);
    w.upstream.fault("certificate.order.param", "drop_after_commit");
    REQUIRE(w.run_item("open", s.item).exit_code == 1);
    REQUIRE(orders_of(w, s.item).size() == 1);
    REQUIRE_FALSE(w.host.item_param(s.item, "upstream_id"));
    return s;
}

Service opened_service(World& w) {
    Service s = new_service(w);
    REQUIRE(w.run_item("open", s.item).exit_code == 0);
    return s;
}

Service issued_upstream(World& w) {
    Service s = opened_service(w);
    w.upstream.advance(upstream_id(w, s.item), "issued");
    return s;
}

Service issued_service(World& w) {
    Service s = issued_upstream(w);
    REQUIRE(w.run_item("sync_item", s.item).exit_code == 0);
    s.upstream_expiry = orders_of(w, s.item).at(0).expiredate;
    return s;
}

Service no_service(World&) {
    return {};
}

const Row kRows[] = {
    {"open without CSR: key generation", "certificate.order.csr", Command::kOpen,
     service_without_csr},
    {"open with CSR: the order", "certificate.order.param", Command::kOpen, new_service},
    {"open without CSR: the order after key generation", "certificate.order.param", Command::kOpen,
     service_without_csr},
    {"open retry: the order after the list", "certificate.order.param", Command::kOpen,
     service_with_unsent_attempt},
    {"open retry: the list that finds a lost order", "certificate", Command::kOpen,
     service_with_lost_order},
    {"sync_item: the status", "certificate.edit", Command::kSyncItem, opened_service},
    {"sync_item: the certificate file", "certificate.file", Command::kSyncItem, issued_upstream},
    {"reopen: the reissue", "certificate.reissue.step2", Command::kReopen, issued_service},
    {"prolong: the expiry read before renewing", "certificate.edit", Command::kProlong,
     issued_service},
    {"prolong: the renewal", "service.prolong", Command::kProlong, issued_service},
    {"close: the deletion", "certificate.delete", Command::kClose, opened_service},
    {"import_pricelist: the price list", "pricelist.export", Command::kImportPricelist, no_service},
};

bool is_charging(const Row& row) {
    return std::find_if(std::begin(kChargingFuncs), std::end(kChargingFuncs), [&](const char* f) {
               return row.func == std::string(f);
           }) != std::end(kChargingFuncs);
}

// The charge this row's command makes once it completes (open: an order, prolong: a renewal,
// reopen: a reissue); close, sync and import charge nothing.
bool command_charges(Command command) {
    return command == Command::kOpen || command == Command::kProlong || command == Command::kReopen;
}

struct Cell {
    World& w;
    const Row& row;
    const FaultKind& fault;
    Service service;
    int operation = 0;
    std::optional<std::string> local_expiry;  // the item's expiry before the failed run

    ModuleResult run() {
        if (row.command == Command::kImportPricelist)
            return w.run({"--command", "import_pricelist", "--module", std::to_string(w.module),
                          "--subcommand", "available"});
        return w.run_item(command_name(row.command), service.item, operation);
    }
};

void expect_clear_error(Cell& cell, const ModuleResult& failed) {
    CHECK(failed.exit_code == 1);
    CHECK(xpath(failed.out, "count(/doc/error)") == "1");
    const std::string message = lower(xpath(failed.out, "/doc/error/msg"));
    CAPTURE(message);
    if (is_charging(cell.row) && cell.fault.outcome_unknown) {
        // A charging call without an API answer: the outcome is unknown, not "unreachable";
        // what came instead (an error page, a broken body) is still named.
        CHECK(error_type(failed) == pmb::errtype::kUnknownOutcome);
        CHECK(message.find("unknown") != std::string::npos);
        CHECK(message.find("cannot reach") == std::string::npos);
        if (!cell.fault.reply_lost)
            CHECK(message.find(cell.fault.word) != std::string::npos);
        return;
    }
    CHECK(error_type(failed) == cell.fault.error_type);
    CHECK(message.find(cell.fault.word) != std::string::npos);
}

// After the failed run nothing is lost and nothing is pretended: no upstream id without a
// certificate ordered for this service, and the marker that makes the retry safe when the
// upstream may have acted.
void expect_retryable_state(Cell& cell, const ParamMap& before) {
    World& w = cell.w;
    const int item = cell.service.item;
    const bool charged_maybe = is_charging(cell.row) && cell.fault.outcome_unknown;
    switch (cell.row.command) {
        case Command::kOpen: {
            CHECK_FALSE(w.host.item_param(item, "upstream_id"));
            // charging: kept exactly when the upstream may have acted; reads keep what was
            const bool attempt_expected =
                is_charging(cell.row) ? cell.fault.outcome_unknown : before.count("order_attempt");
            CHECK(w.host.item_param(item, "order_attempt").has_value() == attempt_expected);
            CHECK(w.host.item_status(item) == 1);
            break;
        }
        case Command::kProlong:
            CHECK(w.host.item_param(item, "prolong_attempt").has_value() == charged_maybe);
            CHECK(w.host_calls("service.postprolong").empty());
            CHECK(w.host.item_expiredate(item) == cell.local_expiry);
            break;
        case Command::kReopen:
            CHECK(w.host.item_param(item, "reissue_attempt").has_value() == charged_maybe);
            CHECK(w.host.item_param(item, "service_status") == "5");
            break;
        case Command::kClose:
            CHECK(w.host_calls("service.postclose").empty());
            CHECK(w.host.item_status(item) == 2);
            break;
        case Command::kSyncItem:
            CHECK(w.host.item_params(item) == before);
            break;
        case Command::kImportPricelist:
            break;
    }
}

// The next run, the fault gone, completes; whatever the upstream did in the failed run is
// adopted, never bought again.
void expect_retry_completes(Cell& cell) {
    World& w = cell.w;
    const int item = cell.service.item;
    const int charges_before = charging_requests(w);
    ModuleResult retried = cell.run();
    INFO("retry: " << retried.out);
    CHECK(retried.exit_code == 0);
    const bool already_charged = is_charging(cell.row) && cell.fault.reply_lost;
    const int expected_charges = command_charges(cell.row.command) && !already_charged &&
                                 cell.row.func != std::string("certificate");
    CHECK(charging_requests(w) - charges_before == expected_charges);
    switch (cell.row.command) {
        case Command::kOpen: {
            CHECK(upstream_id(w, item) == the_order(w, item).id);
            CHECK(w.host.item_status(item) == 2);
            break;
        }
        case Command::kProlong: {
            auto cert = the_order(w, item);
            CHECK(cert.expiredate == add_months(cell.service.upstream_expiry, 12));
            CHECK(w.host.item_expiredate(item) == cert.expiredate);
            CHECK(w.host_calls("service.postprolong").size() == 1);
            break;
        }
        case Command::kReopen:
            CHECK(the_order(w, item).reissue_count == "1");
            CHECK(w.host.item_param(item, "service_status") == "3");
            break;
        case Command::kClose:
            CHECK(the_order(w, item).item_status == "4");
            CHECK(w.host_calls("service.postclose").size() == 1);
            break;
        case Command::kSyncItem:
        case Command::kImportPricelist:
            break;
    }
}

// A renewal marker left by this operation must not swallow the next, separately paid one.
void expect_next_renewal_renews(Cell& cell) {
    World& w = cell.w;
    const int item = cell.service.item;
    const std::string renewed = the_order(w, item).expiredate;
    const int next_operation = w.host.add_running_operation(0);
    ModuleResult next = w.run_item("prolong", item, next_operation);
    INFO("next renewal: " << next.out);
    CHECK(next.exit_code == 0);
    CHECK(the_order(w, item).expiredate == add_months(renewed, 12));
}

// A connection closed before a single byte of the reply is, to libcurl, a stale keep-alive:
// it may send the request again by itself, which is fine for a read (never for a charge).
bool read_resent_by_libcurl(const Cell& cell, const ModuleResult& failed) {
    return !is_charging(cell.row) && cell.fault.kind == std::string("drop_silently_after_commit") &&
           failed.exit_code == 0;
}

void run_cell(Cell& cell) {
    World& w = cell.w;
    // The short timeout is for the faulty run only: the rest must not flake on a loaded machine.
    w.write_config(kRetryConfig);
    cell.service = cell.row.prepare(w);
    cell.operation =
        cell.row.command == Command::kImportPricelist ? 0 : w.host.add_running_operation(0);
    const ParamMap before = cell.service.item ? w.host.item_params(cell.service.item) : ParamMap{};
    if (cell.service.item)
        cell.local_expiry = w.host.item_expiredate(cell.service.item);
    w.write_config(kFaultConfig);
    w.upstream.fault(cell.row.func, cell.fault.kind, options_of(cell.fault));
    w.clear_records();

    ModuleResult failed = cell.run();
    INFO("failed run: " << failed.out);
    if (read_resent_by_libcurl(cell, failed)) {
        // harmless for a read: the request went again, on a fresh connection
        CHECK(w.upstream.count(cell.row.func) == 2);
        CHECK(charging_requests(w) == 0);
        return;
    }
    expect_clear_error(cell, failed);
    // one charging request at most, and none when the failing call was a read before it
    const int charges = charging_requests(w);
    CHECK(charges == (is_charging(cell.row) ? 1 : 0));
    expect_retryable_state(cell, before);

    w.upstream.clear_faults();
    w.clear_records();
    w.write_config(kRetryConfig);
    expect_retry_completes(cell);
    if (cell.row.command == Command::kProlong)
        expect_next_renewal_renews(cell);
}

int env_number(const char* name, int fallback) {
    const char* value = std::getenv(name);
    return value && *value ? std::atoi(value) : fallback;
}

// Which cells run: all of them, or with PMTEST_MATRIX_CELLS=N (the ASan build) the N cells
// from seed x N on, round the matrix. The seed is PMTEST_MATRIX_SEED, by default the day
// number, so consecutive days take the next N cells and every cell runs within a few days.
struct Rotation {
    int total = 0, cells = 0, seed = 0;

    bool runs(int cell) const {
        const int first = static_cast<int>((static_cast<long long>(seed) * cells) % total);
        return (cell - first + total) % total < cells;
    }
};

Rotation rotation(int total) {
    Rotation r;
    r.total = total;
    r.cells = std::min(total, env_number("PMTEST_MATRIX_CELLS", total));
    const auto days = std::chrono::duration_cast<std::chrono::hours>(
                          std::chrono::system_clock::now().time_since_epoch())
                          .count() /
                      24;
    r.seed = env_number("PMTEST_MATRIX_SEED", static_cast<int>(days));
    return r;
}

}  // namespace

TEST_CASE("fault matrix: every upstream function x every fault kind") {
    const auto started = std::chrono::steady_clock::now();
    const int kinds = static_cast<int>(std::size(kFaultKinds));
    const Rotation chosen = rotation(static_cast<int>(std::size(kRows)) * kinds);
    MESSAGE(chosen.cells << " of " << chosen.total << " cells, seed " << chosen.seed
                         << " (replay: PMTEST_MATRIX_SEED=" << chosen.seed
                         << " PMTEST_MATRIX_CELLS=" << chosen.cells << ")");
    int cells = 0, index = 0;
    for (const Row& row : kRows) {
        const int first = index;
        index += kinds;
        bool any = false;
        for (int cell = first; cell < index; ++cell)
            any = any || chosen.runs(cell);
        if (!any)
            continue;
        // One world per function: the cells use a service each, so they share its start-up.
        World w;
        for (int k = 0; k < kinds; ++k) {
            if (!chosen.runs(first + k))
                continue;
            const FaultKind& fault = kFaultKinds[k];
            const std::string cell_name =
                std::string(row.name) + " [" + row.func + "] x " + fault.name;
            CAPTURE(cell_name);
            Cell cell{w, row, fault, {}, 0, {}};
            run_cell(cell);
            w.upstream.clear_faults();
            ++cells;
        }
    }
    CHECK(cells == chosen.cells);
    const auto seconds =
        std::chrono::duration_cast<std::chrono::seconds>(std::chrono::steady_clock::now() - started)
            .count();
    MESSAGE(cells << " cells in " << seconds << " s");
}
