// One list read per burst of syncs: the snapshot file, when it is trusted, and what a sync
// asks the upstream given it. Every case asserts the exact upstream requests.
#include <doctest/doctest.h>

#include <filesystem>
#include <fstream>
#include <sstream>

#include "certificate_service_fixture.h"
#include "lifecycle/list_snapshot.h"
#include "test_util.h"

using namespace pmtest;

namespace {

struct Snapshots {
    std::string dir = temp_dir();
    pmb::SnapshotSettings settings;

    explicit Snapshots(long max_age_s = 120) {
        settings.file = dir + "/var/pmbillmgrssl.list.7.tsv";
        settings.lock_file = dir + "/var/run/pmbillmgrssl.list.7.lock";
        settings.module = 7;
        settings.max_age_s = max_age_s;
        settings.lock_wait_s = 1;
        std::filesystem::create_directories(dir + "/var");
    }

    std::string text() const {
        std::ifstream in(settings.file);
        std::ostringstream out;
        out << in.rdbuf();
        return out.str();
    }
    void write(const std::string& text) const { std::ofstream(settings.file) << text; }
};

std::string line_of(const std::string& text, size_t n) {
    std::istringstream in(text);
    std::string line;
    for (size_t i = 0; i <= n; ++i)
        std::getline(in, line);
    return line;
}

}  // namespace

TEST_CASE("list snapshot: read once, written whole, then served from the file") {
    World w;
    opened(w, 5);
    w.api.certs["1002"] = w.api.certs["1001"];
    w.api.certs["1002"].id = "1002";
    w.api.certs["1002"].cn = "with\ttab.example";
    Snapshots s;
    pmb::ListSnapshots first(s.settings, w.api);
    const pmb::ListSnapshot* snapshot = first.get({"1001"});
    REQUIRE(snapshot);
    CHECK(w.api.calls == Lines{"list"});
    CHECK(snapshot->complete());
    REQUIRE(snapshot->find("1001"));
    CHECK(snapshot->find("1001")->service_status == "5");
    CHECK_FALSE(snapshot->find("1002"));     // not asked for: not kept
    CHECK(first.get({"1002"}) == snapshot);  // once per run

    const std::string file = s.text();
    CHECK(line_of(file, 0).rfind("pmbillmgrssl-list\t1\t7\t", 0) == 0);
    CHECK(line_of(file, 2).find("with tab.example") != std::string::npos);
    CHECK(line_of(file, 3) == "end\t2\t2\t1");
    CHECK(file.find("BEGIN") == std::string::npos);

    w.api.clear();
    pmb::ListSnapshots second(s.settings, w.api);
    REQUIRE(second.get({"1002"}));
    CHECK(w.api.calls.empty());
    CHECK(second.get({"1002"})->find("1002")->cn == "with tab.example");
}

TEST_CASE("list snapshot: stale, broken, foreign or off means the list is read again") {
    World w;
    opened(w, 5);
    Snapshots s;
    pmb::ListSnapshots(s.settings, w.api).get({"1001"});
    const std::string good = s.text();
    const std::string taken = line_of(good, 0).substr(line_of(good, 0).rfind('\t') + 1);
    const std::string old = std::to_string(std::stoll(taken) - 500);
    const std::string future = std::to_string(std::stoll(taken) + 5000);
    auto replaced = [&](const std::string& from, const std::string& to) {
        std::string text = good;
        text.replace(text.find(from), from.size(), to);
        return text;
    };
    const std::string cases[][2] = {
        {"stale", replaced("\t" + taken + "\n", "\t" + old + "\n")},
        {"taken in the future", replaced("\t" + taken + "\n", "\t" + future + "\n")},
        {"cut short", good.substr(0, good.find("end\t"))},
        {"end line counts another number of rows", replaced("end\t1\t", "end\t5\t")},
        {"a row with a field missing", replaced("\n1001\t", "\n1001")},
        {"another module", replaced("list\t1\t7\t", "list\t1\t8\t")},
        {"another version", replaced("list\t1\t", "list\t2\t")},
        {"garbage", "\x01\x02 not a snapshot"},
    };
    for (const auto& c : cases) {
        SUBCASE(c[0].c_str()) {
            s.write(c[1]);
            w.api.clear();
            pmb::ListSnapshots run(s.settings, w.api);
            REQUIRE(run.get({"1001"}));
            CHECK(w.api.calls == Lines{"list"});
            CHECK(line_of(s.text(), 1).rfind("1001\t", 0) == 0);  // rewritten
        }
    }
    SUBCASE("ListCacheSeconds 0: no snapshot at all") {
        Snapshots off(0);
        w.api.clear();
        CHECK_FALSE(pmb::ListSnapshots(off.settings, w.api).get({"1001"}));
        CHECK(w.api.calls.empty());
    }
    SUBCASE("the list cannot be read: no snapshot, nothing written") {
        Snapshots fresh;
        w.api.clear();
        w.api.fail("list", Failure::kTransport);
        CHECK_FALSE(pmb::ListSnapshots(fresh.settings, w.api).get({"1001"}));
        CHECK_FALSE(std::ifstream(fresh.settings.file).good());
    }
}

TEST_CASE("list snapshot: an incomplete list is marked so") {
    World w;
    opened(w, 5);
    Snapshots s;
    struct ShortList : FakeApi {
        pmb::ListRead each_certificate(const pmb::CertificateVisitor& visit) override {
            pmb::ListRead read = FakeApi::each_certificate(visit);
            read.declared = read.rows + 1;
            return read;
        }
    } api;
    api.certs = w.api.certs;
    REQUIRE_FALSE(pmb::ListSnapshots(s.settings, api).get({"1001"})->complete());
    CHECK(line_of(s.text(), 2) == "end\t1\t2\t0");
    CHECK_FALSE(pmb::ListSnapshots(s.settings, api).get({"1001"})->complete());  // from the file
}

TEST_CASE("list snapshot: when a sync reads its certificate") {
    pmb::ListedRow row{"1001", "2", "5", "2026-03-01", "example.com", "42", "Issued"};
    const pmb::ListSeen seen{row.fingerprint(), 1000};
    CHECK(pmb::ListSeen::parse(seen.text()).fingerprint == seen.fingerprint);
    CHECK(pmb::ListSeen::parse(seen.text()).read_at == 1000);
    CHECK(pmb::ListSeen::parse("junk").fingerprint.empty());

    CHECK_FALSE(pmb::needs_edit_read(&row, seen, false, 999999, 3600));
    CHECK(pmb::needs_edit_read(nullptr, seen, false, 1000, 3600));          // missing row
    CHECK(pmb::needs_edit_read(&row, pmb::ListSeen{}, false, 1000, 3600));  // never read
    pmb::ListedRow renewed = row;
    renewed.expiredate = "2027-03-01";
    CHECK(pmb::needs_edit_read(&renewed, seen, false, 1000, 3600));
    pmb::ListedRow issued = row;
    issued.status_msg = "Выпущен";
    CHECK(pmb::needs_edit_read(&issued, seen, false, 1000, 3600));
    CHECK_FALSE(pmb::needs_edit_read(&row, seen, true, 1000 + 3599, 3600));  // pending, not due
    CHECK(pmb::needs_edit_read(&row, seen, true, 1000 + 3600, 3600));        // pending, due
}

TEST_CASE("sync with a snapshot: certificate.edit only for a changed row, list_seen recorded") {
    World w;
    opened(w, 5);
    w.api.files["1001"] = delivered(kPem);
    Snapshots s;
    {
        pmb::ListSnapshots snapshots(s.settings, w.api);
        w.service.sync(42, &snapshots);
    }
    CHECK(w.api.calls == Lines{"list", "get 1001", "download 1001"});
    const std::string seen = w.item().param("list_seen");
    CHECK(seen.size() == 16 + 1 + std::to_string(std::time(nullptr)).size());

    w.clear();
    {
        pmb::ListSnapshots snapshots(s.settings, w.api);
        w.service.sync(42, &snapshots);
    }
    CHECK(w.api.calls.empty());  // the file's row is the one last read
    CHECK(w.host.journal().empty());

    w.api.certs["1001"].expiredate = "2027-03-01";  // renewed upstream: not in the old file
    w.clear();
    {
        pmb::ListSnapshots snapshots(s.settings, w.api);
        w.service.sync(42, &snapshots);
    }
    CHECK(w.api.calls.empty());

    std::remove(s.settings.file.c_str());  // the next burst
    w.clear();
    {
        pmb::ListSnapshots snapshots(s.settings, w.api);
        w.service.sync(42, &snapshots);
    }
    CHECK(w.api.calls == Lines{"list", "get 1001"});
    CHECK(w.host.journal().front() == expire("2027-03-01"));
    CHECK(w.item().param("list_seen") != seen);
}

TEST_CASE("sync with a snapshot: a missing row is deleted only if the list was complete") {
    World w;
    opened(w, 5);
    Snapshots s;
    s.write("pmbillmgrssl-list\t1\t7\t" + std::to_string(std::time(nullptr)) + "\nend\t0\t0\t1\n");
    w.api.certs.clear();  // certificate.edit answers missed
    pmb::ListSnapshots complete(s.settings, w.api);
    CHECK(error_of([&] { w.service.sync(42, &complete); }).first == pmb::errtype::kState);
    CHECK(w.api.calls == Lines{"get 1001"});

    s.write("pmbillmgrssl-list\t1\t7\t" + std::to_string(std::time(nullptr)) + "\nend\t0\t3\t0\n");
    w.clear();
    pmb::ListSnapshots incomplete(s.settings, w.api);
    CHECK(error_of([&] { w.service.sync(42, &incomplete); }).first == pmb::errtype::kUpstream);
    CHECK(w.api.calls == Lines{"get 1001"});
    CHECK(w.host.journal().empty());
}
