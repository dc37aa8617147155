// The panel-side commands a real BILLmanager sends: setparam (posted, logged, a failed tariff
// change rolled back), postreopen after a reissue (tolerated on an older panel) and the
// approver list for several domains. The mgrctl calls are asserted exactly.
#include <doctest/doctest.h>

#include "e2e_util.h"

using namespace pmtest;

namespace {

CertificateOrder opened(World& w) {
    CertificateOrder order = w.add_order();
    ModuleResult r = w.run_item("open", order.item);
    INFO(r.out);
    REQUIRE(r.exit_code == 0);
    return order;
}

}  // namespace

TEST_CASE("setparam: nothing upstream; service.postsetparam, and the change in the log") {
    World w;
    CertificateOrder order = opened(w);
    int old_tariff = w.host.add_pricelist("local-old", order.itemtype);
    w.host.set_item_lastpricelist(order.item, old_tariff);
    w.clear_records();

    ModuleResult r = w.run_item("setparam", order.item);
    INFO(r.out);
    REQUIRE(r.exit_code == 0);
    CHECK(w.upstream_funcs().empty());
    REQUIRE(w.host_funcs() == Funcs{"service.postsetparam"});
    MgrctlCall post = w.host_calls("service.postsetparam").at(0);
    expect_call(post, "service.postsetparam",
                {{"elid", std::to_string(order.item)}, {"sok", "ok"}});
    CHECK(post.params.size() == 2);
    std::string log = w.log();
    CHECK(log.find("setparam: service " + std::to_string(order.item) + ": tariff " +
                   std::to_string(order.pricelist) + " (" + order.tariff +
                   "), changed from tariff " + std::to_string(old_tariff)) != std::string::npos);
    CHECK(log.find("CN") != std::string::npos);
}

TEST_CASE("setparam: a failure after a tariff change rolls the tariff back") {
    World w;
    CertificateOrder order = opened(w);
    int old_tariff = w.host.add_pricelist("local-old", order.itemtype);
    w.host.set_item_lastpricelist(order.item, old_tariff);
    w.host.fail("service.postsetparam");
    int operation = w.host.add_running_operation();
    w.clear_records();

    ModuleResult r = w.run_item("setparam", order.item, operation);
    INFO(r.out);
    CHECK(r.exit_code == 1);
    CHECK(error_type(r) == pmb::errtype::kMgrctl);
    REQUIRE(w.host_funcs() == Funcs{"service.postsetparam", "service.changepricelist.rollback",
                                    "runningoperation.edit"});
    expect_call_exact(w.host_calls("service.changepricelist.rollback").at(0),
                      "service.changepricelist.rollback",
                      {{"elid", std::to_string(order.item)}, {"sok", "ok"}});
    expect_call_exact(w.host_calls("service.postsetparam").at(0), "service.postsetparam",
                      {{"elid", std::to_string(order.item)}, {"sok", "ok"}});
    CHECK(w.host.item_row(order.item).pricelist == old_tariff);

    SUBCASE("without a tariff change nothing is rolled back") {
        w.host.db().execute("UPDATE item SET lastpricelist = NULL WHERE id = ?",
                            {std::to_string(order.item)});
        w.clear_records();
        CHECK(w.run_item("setparam", order.item).exit_code == 1);
        CHECK(w.host_funcs() == Funcs{"service.postsetparam"});
    }
}

TEST_CASE("reopen: an older panel without service.postreopen still gets status 3") {
    World w;
    CertificateOrder order = opened(w);
    const std::string upstream_id = *w.host.item_param(order.item, "upstream_id");
    w.upstream.advance(upstream_id, "issued");
    REQUIRE(w.run_item("sync_item", order.item).exit_code == 0);
    w.host.unknown_function("service.postreopen");
    w.clear_records();

    ModuleResult r = w.run_item("reopen", order.item);
    INFO(r.out);
    REQUIRE(r.exit_code == 0);
    CHECK(w.upstream_funcs() ==
          Funcs{"certificate.edit", "certificate.file", "certificate.reissue.step2"});
    // reissue_attempt before the call and after the write-back, around the tolerated post
    REQUIRE(w.host_funcs() == Funcs{"service.saveparam", "service.postreopen", "service.setstatus",
                                    "service.saveparam"});
    expect_call(w.host_calls("service.setstatus").at(0), "service.setstatus",
                {{"service_status", "3"}});
    CHECK(w.log().find("no service.postreopen") != std::string::npos);

    SUBCASE("any other refusal of service.postreopen fails the reissue") {
        w.upstream.advance(upstream_id, "issued");
        REQUIRE(w.run_item("sync_item", order.item).exit_code == 0);
        w.host.clear_faults();
        w.host.fail("service.postreopen");
        w.clear_records();
        ModuleResult again = w.run_item("reopen", order.item);
        CHECK(again.exit_code == 1);
        CHECK(error_type(again) == pmb::errtype::kMgrctl);
        CHECK(w.host_funcs() == Funcs{"service.saveparam", "service.postreopen"});
    }
}

TEST_CASE("approver: a comma-separated --domain gets one block per domain") {
    World w;
    ModuleResult r = w.run({"--command", "approver", "--module", std::to_string(w.module),
                            "--domain", " a.example.com, ,shop.пример.рф,", "--intname", "x"});
    INFO(r.out);
    REQUIRE(r.exit_code == 0);
    CHECK(xpath(r.out, "count(/doc/domain)") == "2");
    CHECK(xpath(r.out, "/doc/domain[1]/@name") == "a.example.com");
    CHECK(xpath(r.out, "/doc/domain[2]/@name") == "shop.пример.рф");
    CHECK(xpath(r.out, "count(/doc/domain[1]/approver)") == "10");
    CHECK(xpath(r.out, "/doc/domain[1]/approver[1]") == "admin@a.example.com");
    CHECK(xpath(r.out, "/doc/domain[1]/approver[10]") == "webmaster@example.com");
    CHECK(xpath(r.out, "/doc/domain[2]/approver[1]") == "admin@shop.xn--e1afmkfd.xn--p1ai");
    CHECK(xpath(r.out, "count(/doc/domain[2]/approver[contains(., 'example.com')])") == "0");
    CHECK(r.out.find("a.example.com,") == std::string::npos);

    ModuleResult none =
        w.run({"--command", "approver", "--module", std::to_string(w.module), "--domain", " , "});
    CHECK(none.exit_code == 1);
    CHECK(error_type(none) == pmb::errtype::kMissed);
}
