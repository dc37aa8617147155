// Secrets never leak: with distinctive secrets (upstream password, DB password, the
// client's private key, an upstream-generated key) driven through every command and
// failure path with LogLevel debug, none appears in the log, the module's stdout/stderr,
// any mgrctl argv, or any upstream URL.
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
    w.run({"--command", "check_connection"},
          w.check_connection_input(w.upstream.base_url(), kUpstreamPassword));
    w.run({"--command", "check_connection"},
          w.check_connection_input(w.upstream.base_url(), "Wrong&Pa55:Пароль"));
    // failures first: their error paths echo requests and answers
    w.upstream.fault("certificate.order.param", "error_xml",
                     {1, -1, "value", "csr", std::string("echo ") + kUpstreamPassword});
    w.run_item("open", order.item, operation);
    w.upstream.fault("certificate.order.param", "truncated");
    w.run_item("open", order.item, operation);
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
    const std::vector<std::string> secrets = {
        kUpstreamPassword, "Wrong&Pa55:Пароль", MariaDbServer::kBillmgrPassword,
        key_fingerprint(order.csr.key_pem), key_fingerprint(generated_key)};

    const std::string log = w.log();
    REQUIRE(log.find("certificate.order.param") != std::string::npos);  // debug log is on
    expect_absent("the log", log, secrets);
    expect_absent("module output", w.transcript(), secrets);
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
