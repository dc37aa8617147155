// mgrctl as a child with limits: a hung mgrctl is killed after MgrctlTimeout with clear error
// XML, and a certificate travels through the environment, never on argv.
#include <doctest/doctest.h>

#include <algorithm>
#include <chrono>

#include "e2e_util.h"

using namespace pmtest;

TEST_CASE("a hung mgrctl is stopped after MgrctlTimeout with error XML naming the call") {
    World w({{}, true, "MgrctlTimeout 2\n"});
    CertificateOrder order = w.add_order({});
    w.host.hang("service.saveparam", "name=order_attempt", HangWhen::kBefore, 60);
    const auto start = std::chrono::steady_clock::now();
    ModuleResult r = w.run_item("open", order.item);
    const double took =
        std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
    INFO(r.out);
    CHECK(r.exit_code == 1);
    CHECK(error_type(r) == pmb::errtype::kMgrctl);
    CHECK(r.out.find("service.saveparam did not finish within 2 s") != std::string::npos);
    CHECK(took < 15);
    CHECK(w.upstream.count_committing("certificate.order.param") == 0);  // stopped before it
    w.host.clear_faults();
    CHECK(w.run_item("open", order.item).exit_code == 0);
}

TEST_CASE("the certificate is saved through the environment, never on argv") {
    World w;
    CertificateOrder order = w.add_order({});
    REQUIRE(w.run_item("open", order.item).exit_code == 0);
    w.upstream.advance(*w.host.item_param(order.item, "upstream_id"), "issued");
    REQUIRE(w.run_item("sync_item", order.item).exit_code == 0);
    auto saves = w.host_calls("certificate.save");
    REQUIRE(saves.size() == 1);
    const std::string crt = saves[0].param("crt");
    CHECK(crt.find("-----BEGIN CERTIFICATE-----") != std::string::npos);
    CHECK(std::count(saves[0].env_params.begin(), saves[0].env_params.end(), "crt") == 1);
    for (const std::string& arg : saves[0].argv)
        CHECK(arg.find("BEGIN CERTIFICATE") == std::string::npos);
}
