// The panel-side commands a real BILLmanager sends: setparam (posted, logged, a failed tariff
// change rolled back). The mgrctl calls are asserted exactly.
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
    expect_call(w.host_calls().at(0), "service.postsetparam",
                {{"elid", std::to_string(order.item)}, {"sok", "ok"}});
    CHECK(w.host_calls().at(0).params.size() == 2);
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
    expect_call(w.host_calls().at(1), "service.changepricelist.rollback",
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
