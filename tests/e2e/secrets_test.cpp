// Secrets never leak: with distinctive secrets (upstream password, DB password, the
// client's private key, an upstream-generated key) driven through every command and
// failure path with LogLevel debug, none appears in the log, the module's stdout/stderr
// (each failing run's own answer included), any mgrctl argv, or any upstream URL. "Appears"
// is in any encoding the scrubber hides or a mix of them (scrub_property.h, the fuzz target's
// property), and for a key, any line of its body.
#include <doctest/doctest.h>

#include "e2e_util.h"

using namespace pmtest;

TEST_CASE("no secret in log, output, argv or URL across a whole life and its failures") {
    World w;
    CertificateOrder order = w.add_order({});
    CertificateOrderOptions no_csr;
    no_csr.cn = "generated.example.com";
    CertificateOrder generated = w.add_order(no_csr);
    w.host.db().execute("DELETE FROM certificate WHERE item = ?", {std::to_string(generated.item)});

    const int operation = w.host.add_running_operation(1);
    std::vector<ModuleResult> failed;  // their answers are checked with the rest below
    auto expect_failure = [&failed](const ModuleResult& r) {
        CHECK(r.exit_code == 1);
        CHECK(r.out.find("<error") != std::string::npos);
        failed.push_back(r);
    };
    REQUIRE(w.run({"--command", "check_connection"},
                  w.check_connection_input(w.upstream.base_url(), kUpstreamPassword))
                .exit_code == 0);
    expect_failure(w.run({"--command", "check_connection"},
                         w.check_connection_input(w.upstream.base_url(), "Wrong&Pa55:Пароль")));
    // failures first: their error paths echo requests and answers
    w.upstream.fault("certificate.order.param", "error_xml",
                     {1, -1, "value", "csr", std::string("echo ") + kUpstreamPassword});
    expect_failure(w.run_item("open", order.item, operation));
    w.upstream.fault("certificate.order.param", "truncated");
    expect_failure(w.run_item("open", order.item, operation));
    w.upstream.clear_faults();
    REQUIRE(w.run_item("open", order.item).exit_code == 0);
    REQUIRE(w.run_item("open", generated.item).exit_code == 0);
    std::string id = *w.host.item_param(order.item, "upstream_id");
    w.upstream.advance(id, "issued");
    REQUIRE(w.run_item("sync_item", order.item).exit_code == 0);
    REQUIRE(w.run_item("reopen", order.item).exit_code == 0);
    w.upstream.advance(id, "issued");
    REQUIRE(w.run_item("sync_item", order.item).exit_code == 0);
    REQUIRE(w.run_item("prolong", order.item).exit_code == 0);
    REQUIRE(w.run_item("close", order.item).exit_code == 0);

    const std::string generated_key = *w.host.item_param(generated.item, "private_key");
    REQUIRE(generated_key.find("PRIVATE KEY") != std::string::npos);
    std::vector<std::string> secrets = {kUpstreamPassword, "Wrong&Pa55:Пароль",
                                        MariaDbServer::kBillmgrPassword};
    for (const std::string& key : {order.csr.key_pem, generated_key})
        for (const std::string& line : key_lines(key))
            secrets.push_back(line);
    REQUIRE(secrets.size() > 3 + 2 * 20);  // every line of both keys, not the first
    REQUIRE(scrub::surviving_at(generated_key, secrets.back()));  // the search finds a line

    const std::string log = w.log();
    REQUIRE(log.find("certificate.order.param") != std::string::npos);  // debug log is on
    expect_absent("the log", log, secrets);
    expect_absent("module output", w.transcript(), secrets);
    for (const ModuleResult& r : failed) {
        INFO(r.out);
        expect_absent("a failing run's answer", r.out + r.err, secrets);
    }
    CHECK(log.find("PRIVATE KEY-----") == std::string::npos);
    for (const auto& call : w.host.calls()) {
        std::string argv;
        for (const auto& arg : call.argv)
            argv += arg + "\n";
        expect_absent("mgrctl argv", argv, secrets);
    }
    for (const auto& request : w.upstream.requests()) {
        expect_absent("request URL", request.path + "?" + request.query, secrets);
        CHECK(request.query.find("authinfo") == std::string::npos);
    }
    auto errorxml = w.host.running_operation(operation).errorxml.value_or("");
    CHECK_FALSE(errorxml.empty());
    expect_absent("running operation error", errorxml, secrets);
}
