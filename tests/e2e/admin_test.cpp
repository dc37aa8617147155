// What an admin relies on around the commands themselves: an answer that could not be
// written is a failure, a log that cannot be written is said once on stderr, and bad bytes
// in (argv, the panel's database) still give clean XML out.
#include <sys/stat.h>

#include <doctest/doctest.h>

#include <cstdio>

#include "core/error.h"
#include "e2e_util.h"

using namespace pmtest;

namespace {

// The binary as BILLmanager runs it, but with stdout sent where the shell line says.
RunResult run_with_stdout(World& w, const std::string& redirect,
                          const std::vector<std::string>& args) {
    std::vector<std::string> argv{"sh", "-c", "exec \"$0\" \"$@\" " + redirect, PMBILLMGRSSL_EXE};
    argv.insert(argv.end(), args.begin(), args.end());
    RunOptions options;
    options.env_set = w.host.env();
    options.cwd = w.host.root();
    return pmtest::run(argv, options);
}

size_t count_of(const std::string& text, const std::string& what) {
    size_t n = 0;
    for (size_t at = text.find(what); at != std::string::npos; at = text.find(what, at + 1))
        ++n;
    return n;
}

}  // namespace

TEST_CASE("an answer that cannot be written to stdout exits non-zero") {
    World w;
    const std::vector<std::string> approver{"--command", "approver", "--module",
                                            "1",         "--domain", "a.com"};
    RunResult full = run_with_stdout(w, ">/dev/full", approver);
    CHECK(full.exit_code != 0);
    CHECK(full.err.find("cannot write the answer to standard output") != std::string::npos);
    CHECK(w.log().find("cannot write the answer to standard output") != std::string::npos);
    CHECK(run_with_stdout(w, ">&-", {"--command", "features"}).exit_code != 0);
    CHECK(run_with_stdout(w, ">/dev/full", {"--version"}).exit_code != 0);
    CHECK(run_with_stdout(w, ">/dev/null", approver).exit_code == 0);
}

TEST_CASE("an unwritable log gives one warning on stderr, and the command still runs") {
    World w;
    std::string log = w.host.root() + "/var/pmbillmgrssl.log";
    std::remove(log.c_str());
    REQUIRE(mkdir(log.c_str(), 0755) == 0);  // a directory: unwritable even for root
    ModuleResult r = w.run({"--command", "approver", "--module", "1", "--domain", "a.com",
                            "--bogus-option", "x"});  // logs several lines
    CHECK(r.exit_code == 0);
    CHECK(r.out.find("admin@a.com") != std::string::npos);
    CHECK(count_of(r.err, "cannot write the log " + log) == 1);
    ModuleResult quiet = w.run({"--command", "features"});  // features keeps no log
    CHECK(quiet.err.empty());
}

namespace {

bool xmllint_accepts(const std::string& xml) {
    RunOptions options;
    options.stdin_data = xml;
    return pmtest::run({"xmllint", "--noout", "-"}, options).exit_code == 0;
}

// BILLmanager's database may hold bytes that are not UTF-8 (an old import, a latin1 dump):
// the column is made binary so that the test can store them at all.
void store_raw_item_param(World& w, int item, const std::string& name, const std::string& hex) {
    w.host.db().execute("ALTER TABLE itemparam MODIFY value MEDIUMBLOB");
    w.host.db().execute(
        "UPDATE itemparam SET value = UNHEX('" + hex + "') WHERE item = ? AND intname = ?",
        {std::to_string(item), name});
}

}  // namespace

TEST_CASE("invalid UTF-8 in argv gives well-formed error XML") {
    World w;
    ModuleResult r = w.run({"--command", "open", "--item", "12\xFF\xC3("});
    CHECK(r.exit_code == 1);
    CHECK(error_type(r) == pmb::errtype::kValue);
    CHECK(xmllint_accepts(r.out));
    ModuleResult unknown = w.run({"--command", "bogus\xC0\xAF\x01"});
    CHECK(unknown.exit_code == 1);
    CHECK(xmllint_accepts(unknown.out));
}

TEST_CASE("a 100 kB argument gives short, well-formed error XML") {
    World w;
    ModuleResult r = w.run({"--command", "open", "--item", std::string(100 * 1024, '7') + "x"});
    CHECK(r.exit_code == 1);
    CHECK(xmllint_accepts(r.out));
    CHECK(r.out.size() < 2500);
    CHECK(r.out.find("…") != std::string::npos);
}

TEST_CASE("invalid UTF-8 in the CN from the database: well-formed XML, stored on the operation") {
    World w;
    CertificateOrder order = w.add_order({});
    store_raw_item_param(w, order.item, "CN", "6578FF616D706C652E636F6D");  // ex\xFFample.com
    const int operation = w.host.add_running_operation(1);
    ModuleResult r = w.run_item("open", order.item, operation);
    CHECK(r.exit_code == 1);
    CHECK(xmllint_accepts(r.out));
    std::string stored = w.host.running_operation(operation).errorxml.value_or("");
    CHECK(xmllint_accepts(stored));
    CHECK(stored.find("ex\xEF\xBF\xBD"
                      "ample.com") != std::string::npos);
    CHECK(w.upstream_calls("certificate.order.param").empty());
}

TEST_CASE("invalid UTF-8 in contact data is refused before anything is sent upstream") {
    World w;
    CertificateOrder order = w.add_order({});
    store_raw_item_param(w, order.item, "adm_lname", "50E974726F76");  // P\xE9trov, latin1
    ModuleResult r = w.run_item("open", order.item);
    CHECK(r.exit_code == 1);
    CHECK(error_type(r) == pmb::errtype::kValue);
    CHECK(r.out.find("adm_lname is not valid UTF-8") != std::string::npos);
    CHECK(xmllint_accepts(r.out));
    CHECK(w.upstream_calls("certificate.order.param").empty());
    CHECK(w.upstream_calls("certificate.order").empty());
}
