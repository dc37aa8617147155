// A burst of sync_item runs, as BILLmanager's syncitem cron starts them (one process per
// service), and sync_item --module: one read of the certificate list for all of them, and
// certificate.edit only for a service whose row changed. The exact upstream requests of
// each burst are asserted.
#include <doctest/doctest.h>

#include <filesystem>
#include <fstream>
#include <sstream>

#include "e2e_util.h"

using namespace pmtest;

namespace {

WorldOptions snapshots_on(const std::string& more = "") {
    WorldOptions options;
    options.extra_config = "ListCacheSeconds 120\n" + more;
    return options;
}

std::string snapshot_file(World& w) {
    return w.host.root() + "/var/pmbillmgrssl.list." + std::to_string(w.module) + ".tsv";
}

std::string file_text(const std::string& path) {
    std::ifstream in(path);
    std::ostringstream out;
    out << in.rdbuf();
    return out.str();
}

// One sync_item run per service, one after another; every run must succeed.
void burst(World& w, const std::vector<int>& items) {
    for (int item : items) {
        ModuleResult r = w.run_item("sync_item", item);
        INFO(r.out << r.err);
        REQUIRE(r.exit_code == 0);
    }
}

// The first burst after the upgrade: every service reads its certificate once and records
// what it saw. Afterwards the next burst starts with no snapshot.
World::Fleet settled_fleet(World& w, int n) {
    World::Fleet fleet = w.add_issued_fleet(n);
    burst(w, fleet.items);
    std::filesystem::remove(snapshot_file(w));
    w.clear_records();
    return fleet;
}

int count_of(const Funcs& funcs, const std::string& func) {
    return static_cast<int>(std::count(funcs.begin(), funcs.end(), func));
}

}  // namespace

TEST_CASE("sync burst: the first burst reads the list once and each certificate once") {
    World w(snapshots_on());
    World::Fleet fleet = w.add_issued_fleet(12);
    w.clear_records();
    burst(w, fleet.items);
    Funcs funcs = w.upstream_funcs();
    CHECK(count_of(funcs, "certificate") == 1);
    CHECK(count_of(funcs, "certificate.edit") == 12);
    CHECK(funcs.size() == 13);
    // what each service saw is recorded; nothing else changed
    for (const MgrctlCall& call : w.host_calls()) {
        if (call.func == "paramlist")
            continue;
        expect_call(call, "service.saveparam", {{"name", "list_seen"}});
    }
    CHECK(w.host.item_param(fleet.items[0], "list_seen").value_or("").size() > 17);
}

TEST_CASE("sync burst: nothing changed, one list read for the burst and no certificate.edit") {
    World w(snapshots_on());
    World::Fleet fleet = settled_fleet(w, 12);
    burst(w, fleet.items);
    CHECK(w.upstream_funcs() == Funcs{"certificate"});
    Request list = w.upstream_calls("certificate").at(0);
    CHECK(list.param("p_cnt") == "500");
    CHECK(list.param("p_num") == "1");
    CHECK(w.host_funcs().empty());
    const std::string file = file_text(snapshot_file(w));
    CHECK(file.find(w.upstream.password()) == std::string::npos);
    CHECK(file.find("BEGIN") == std::string::npos);

    // the same burst again within ListCacheSeconds: the upstream is not asked at all
    w.clear_records();
    burst(w, fleet.items);
    CHECK(w.upstream_funcs().empty());
}

TEST_CASE("sync burst: a tenth changed upstream, certificate.edit for exactly those") {
    World w(snapshots_on());
    World::Fleet fleet = settled_fleet(w, 20);
    w.upstream.set_expiry(fleet.upstream_ids[3], "2031-05-06");
    w.upstream.set_expiry(fleet.upstream_ids[17], "2031-05-07");
    burst(w, fleet.items);
    Funcs funcs = w.upstream_funcs();
    CHECK(count_of(funcs, "certificate") == 1);
    REQUIRE(count_of(funcs, "certificate.edit") == 2);
    auto edits = w.upstream_calls("certificate.edit");
    CHECK(edits[0].param("elid") == std::to_string(fleet.upstream_ids[3]));
    CHECK(edits[1].param("elid") == std::to_string(fleet.upstream_ids[17]));
    CHECK(w.host.item_expiredate(fleet.items[3]) == "2031-05-06");
    CHECK(w.host.item_expiredate(fleet.items[17]) == "2031-05-07");
    CHECK(count_of(w.host_funcs(), "service.setexpiredate") == 2);
}

TEST_CASE("sync burst: a stale or corrupt snapshot is never trusted: the list is read again") {
    World w(snapshots_on());
    World::Fleet fleet = settled_fleet(w, 6);
    burst(w, {fleet.items[0]});
    const std::string good = file_text(snapshot_file(w));
    REQUIRE_FALSE(good.empty());
    w.upstream.set_expiry(fleet.upstream_ids[1], "2031-01-01");  // shows only in a new list

    SUBCASE("stale") {
        std::string head = good.substr(0, good.find('\n'));
        std::string taken = head.substr(head.rfind('\t') + 1);
        std::string stale = good;
        stale.replace(head.rfind('\t') + 1, taken.size(), std::to_string(std::stoll(taken) - 121));
        std::ofstream(snapshot_file(w)) << stale;
    }
    SUBCASE("corrupt") {
        std::ofstream(snapshot_file(w)) << good.substr(0, good.size() / 2);
    }
    SUBCASE("garbage") {
        std::ofstream(snapshot_file(w)) << "\x7f"
                                        << "ELF not a snapshot at all\n";
    }
    w.clear_records();
    burst(w, {fleet.items[1], fleet.items[2]});
    CHECK(w.upstream_funcs() == Funcs{"certificate", "certificate.edit"});
    CHECK(w.upstream_calls("certificate.edit").at(0).param("elid") ==
          std::to_string(fleet.upstream_ids[1]));
    CHECK(w.host.item_expiredate(fleet.items[1]) == "2031-01-01");
    CHECK(file_text(snapshot_file(w)).find("\t2031-01-01\t") != std::string::npos);
}

TEST_CASE("sync burst: a missing row is asked with certificate.edit, deleted only if complete") {
    World w(snapshots_on());
    World::Fleet fleet = settled_fleet(w, 5);
    SUBCASE("an incomplete list: the certificate is still there") {
        // the row is left out while p_elems counts it: the list is incomplete
        w.upstream.set_shape("list_hides", true, {{"ids", std::to_string(fleet.upstream_ids[2])}});
        burst(w, fleet.items);
        CHECK(w.upstream_funcs() == Funcs{"certificate", "certificate.edit"});
        CHECK(w.upstream_calls("certificate.edit").at(0).param("elid") ==
              std::to_string(fleet.upstream_ids[2]));
        CHECK(file_text(snapshot_file(w)).find("end\t4\t5\t0") != std::string::npos);
    }
    SUBCASE("an incomplete list and certificate.edit misses it: not taken as deleted") {
        w.upstream.forget(fleet.upstream_ids[2]);
        w.upstream.set_shape("list_hides", true, {{"ids", std::to_string(fleet.upstream_ids[0])}});
        ModuleResult r = w.run_item("sync_item", fleet.items[2]);
        CHECK(r.exit_code != 0);
        CHECK(error_type(r) == pmb::errtype::kUpstream);
        CHECK(w.upstream_funcs() == Funcs{"certificate", "certificate.edit"});
        CHECK(w.host_funcs().empty());
    }
    SUBCASE("a complete list without the row, and certificate.edit misses it: deleted") {
        w.upstream.forget(fleet.upstream_ids[2]);
        ModuleResult r = w.run_item("sync_item", fleet.items[2]);
        CHECK(r.exit_code != 0);
        CHECK(error_type(r) == pmb::errtype::kState);  // staff decide, as without a snapshot
        CHECK(w.upstream_funcs() == Funcs{"certificate", "certificate.edit"});
    }
}

TEST_CASE("sync burst: the list in pages, as BILLmanager writes its cells") {
    World w(snapshots_on("ListPageSize 4\n"));
    World::Fleet fleet = settled_fleet(w, 10);
    w.upstream.set_shape("status_cells", true, {{"lang", "ru"}});
    burst(w, fleet.items);
    auto lists = w.upstream_calls("certificate");
    REQUIRE(lists.size() == 3);  // 4 + 4 + 2
    CHECK(lists[2].param("p_num") == "3");
    CHECK(lists[2].param("p_cnt") == "4");
    // the texts differ from the numbers read before, so every row changed once
    CHECK(count_of(w.upstream_funcs(), "certificate.edit") == 10);
    CHECK(w.host_funcs() == Funcs(10, "service.saveparam"));

    w.clear_records();
    std::filesystem::remove(snapshot_file(w));
    w.upstream.set_shape("list_ignores_paging");
    burst(w, fleet.items);
    CHECK(w.upstream_funcs() == Funcs{"certificate"});  // every row at once: read once
}

TEST_CASE("sync burst: runs started at once read the list once between them") {
    World w(snapshots_on());
    World::Fleet fleet = settled_fleet(w, 6);
    w.upstream.fault("certificate", "delay", FaultOptions(1, 700));  // the first reader is slow
    std::vector<Child> runs;
    for (int item : fleet.items)
        runs.push_back(w.start({"--command", "sync_item", "--item", std::to_string(item)}));
    for (Child& run : runs)
        CHECK(run.wait() == 0);
    CHECK(w.upstream_funcs() == Funcs{"certificate"});
}

TEST_CASE("sync_item --module: every open service with one list read; a failure stops none") {
    World w(snapshots_on());
    World::Fleet fleet = settled_fleet(w, 8);
    w.upstream.forget(fleet.upstream_ids[2]);                    // fails: deleted upstream
    w.upstream.set_expiry(fleet.upstream_ids[6], "2031-02-03");  // after it: still synced
    ModuleResult r = w.run({"--command", "sync_item", "--module", std::to_string(w.module)});
    INFO(r.out);
    CHECK(r.exit_code != 0);
    CHECK(xpath(r.out, "/doc/error/msg").find("synced 7 of 8 services") != std::string::npos);
    CHECK(xpath(r.out, "/doc/error/msg").find(std::to_string(fleet.items[2])) != std::string::npos);
    CHECK(w.upstream_funcs() == Funcs{"certificate", "certificate.edit", "certificate.edit"});
    CHECK(w.host.item_expiredate(fleet.items[6]) == "2031-02-03");

    w.clear_records();
    w.upstream.set_expiry(fleet.upstream_ids[7], "2031-02-04");
    std::filesystem::remove(snapshot_file(w));
    w.host.db().execute("UPDATE item SET status = 4 WHERE id = ?",
                        {std::to_string(fleet.items[2])});  // closed here too now
    r = w.run({"--command", "sync_item", "--module", std::to_string(w.module)});
    CHECK(r.exit_code == 0);
    CHECK(xpath(r.out, "/doc/synced") == "7");
    CHECK(w.upstream_funcs() == Funcs{"certificate", "certificate.edit"});
}
