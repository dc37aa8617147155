// The upstream balance on the admin dashboard: getbalance with and without --module, the
// fallbacks of the upstream (subaccount, notify) and of the panel (the two-param
// processing.savebalance, then processing.saveparam), failures of some or all modules, and the
// refresh after a paid call or a refusal for lack of money. The exact upstream requests and
// mgrctl calls are asserted.
#include <doctest/doctest.h>

#include "e2e_util.h"

using namespace pmtest;

namespace {

ModuleResult getbalance(World& w, int module = 0) {
    std::vector<std::string> args{"--command", "getbalance"};
    if (module) {
        args.push_back("--module");
        args.push_back(std::to_string(module));
    }
    return w.run(args);
}

int add_module(World& w, const std::string& name, const std::string& password = kUpstreamPassword,
               const std::string& binary = "pmbillmgrssl") {
    return w.host.add_module(name, {{"url", w.upstream.base_url()}, {"username", kUpstreamUser}},
                             {{"password", password}}, binary);
}

std::vector<std::string> names_of(const MgrctlCall& call) {
    std::vector<std::string> names;
    for (const auto& param : call.params)
        names.push_back(param.first);
    return names;
}

}  // namespace

TEST_CASE("getbalance --module: one whoami, one processing.savebalance, the balance printed") {
    World w;
    w.upstream.set_balance("1234.50");
    ModuleResult r = getbalance(w, w.module);
    INFO(r.out);
    REQUIRE(r.exit_code == 0);
    CHECK(xpath(r.out, "/doc/balance") == "1234.50");
    CHECK(xpath(r.out, "/doc/currency") == "EUR");
    CHECK(xpath(r.out, "count(/doc/*)") == "2");
    REQUIRE(w.upstream_funcs() == Funcs{"whoami"});
    expect_whoami(w.upstream_calls().at(0));
    REQUIRE(w.host_funcs() == Funcs{"processing.savebalance"});
    expect_savebalance(w.host_calls("processing.savebalance").at(0), w.module, "1234.50");
    ModuleBalanceRow saved = w.host.module_balance(w.module);
    CHECK(saved.balance == "1234.50");
    CHECK(saved.currency == "EUR");
    CHECK(is_datetime(saved.notify_time.value_or("")));
    CHECK(w.log().find("upstream balance 1234.50 EUR (from whoami) saved") != std::string::npos);
}

TEST_CASE("getbalance without --module: every active module of this binary, no other") {
    World w;
    const int second = add_module(w, "second");
    const int inactive = add_module(w, "inactive");
    w.host.set_module_active(inactive, false);
    const int foreign = add_module(w, "another module", kUpstreamPassword, "pmother");
    ModuleResult r = getbalance(w);
    INFO(r.out);
    REQUIRE(r.exit_code == 0);
    CHECK(xpath(r.out, "count(/doc/module)") == "2");
    CHECK(xpath(r.out, "/doc/module[1]/@id") == std::to_string(w.module));
    CHECK(xpath(r.out, "/doc/module[2]/@id") == std::to_string(second));
    CHECK(xpath(r.out, "/doc/module[2]/balance") == "1000.00");
    CHECK(xpath(r.out, "/doc/module[2]/currency") == "EUR");
    CHECK(w.upstream_funcs() == Funcs{"whoami", "whoami"});
    auto saved = w.host_calls("processing.savebalance");
    REQUIRE(w.host_funcs() == Funcs{"processing.savebalance", "processing.savebalance"});
    expect_savebalance(saved.at(0), w.module, "1000.00");
    expect_savebalance(saved.at(1), second, "1000.00");
    CHECK_FALSE(w.host.module_balance(inactive).balance);
    CHECK_FALSE(w.host.module_balance(foreign).balance);

    SUBCASE("no active module: nothing to do, and that is no failure") {
        w.host.db().execute("UPDATE processingmodule SET active = 'off'", {});
        w.clear_records();
        ModuleResult none = getbalance(w);
        CHECK(none.exit_code == 0);
        CHECK(w.upstream_funcs().empty());
        CHECK(w.host_funcs().empty());
    }
}

TEST_CASE("getbalance: a panel that refuses currency or notify_time gets the two-call form") {
    for (const char* refused : {"currency", "notify_time"}) {
        CAPTURE(refused);
        World w;
        w.host.refuse_param("processing.savebalance", refused);
        ModuleResult r = getbalance(w, w.module);
        INFO(r.out);
        REQUIRE(r.exit_code == 0);
        CHECK(xpath(r.out, "/doc/balance") == "1000.00");
        const std::string id = std::to_string(w.module);
        auto calls = w.host_calls();
        std::vector<MgrctlCall> writes;
        for (const auto& call : calls)
            if (call.func != "paramlist")
                writes.push_back(call);
        REQUIRE(w.host_funcs() == Funcs{"processing.savebalance", "processing.savebalance",
                                        "processing.saveparam", "processing.saveparam"});
        expect_savebalance(writes[0], w.module, "1000.00");  // refused, nothing applied
        const std::string notify_time = writes[0].param("notify_time");
        CHECK(names_of(writes[1]) == std::vector<std::string>{"processingmodule", "balance"});
        expect_call_exact(writes[1], "processing.savebalance",
                          {{"processingmodule", id}, {"balance", "1000.00"}});
        CHECK(names_of(writes[2]) == std::vector<std::string>{"elid", "param", "value"});
        expect_call_exact(writes[2], "processing.saveparam",
                          {{"elid", id}, {"param", "currency"}, {"value", "EUR"}});
        CHECK(names_of(writes[3]) == std::vector<std::string>{"elid", "param", "value"});
        expect_call_exact(writes[3], "processing.saveparam",
                          {{"elid", id}, {"param", "notify_time"}, {"value", notify_time}});
        CHECK(w.host.module_balance(w.module).balance == "1000.00");
        CHECK(w.host.module_param(w.module, "currency") == "EUR");
        CHECK(w.host.module_param(w.module, "notify_time") == notify_time);
        CHECK(w.log().find("refused currency or notify_time") != std::string::npos);
    }
}

TEST_CASE("getbalance: any other refusal of processing.savebalance is a failure") {
    World w;
    w.host.fail("processing.savebalance");
    ModuleResult r = getbalance(w, w.module);
    CHECK(r.exit_code == 1);
    CHECK(error_type(r) == pmb::errtype::kMgrctl);
    CHECK(w.host_funcs() == Funcs{"processing.savebalance"});
}

TEST_CASE("getbalance: whoami without a balance, then the personal account in its currency") {
    for (const char* field : {"currency", "currency_iso", "iso"}) {
        CAPTURE(field);
        World w;
        w.upstream.set_shape("whoami_without_balance", true, {{"currency_field", field}});
        w.upstream.set_balance("42.10");
        ModuleResult r = getbalance(w, w.module);
        INFO(r.out);
        REQUIRE(r.exit_code == 0);
        REQUIRE(w.upstream_funcs() == Funcs{"whoami", "subaccount"});
        CHECK(w.upstream_calls("subaccount").at(0).source("authinfo") == "body");
        CHECK(xpath(r.out, "/doc/balance") == "42.10");  // the EUR row, not the empty RUB one
        CHECK(xpath(r.out, "/doc/currency") == "EUR");
        expect_savebalance(w.host_calls("processing.savebalance").at(0), w.module, "42.10");
    }
}

TEST_CASE("getbalance: whoami's balance as elements in a local format") {
    World w;
    w.upstream.set_balance("12345.60");
    w.upstream.set_shape("whoami_balance_elements");
    ModuleResult r = getbalance(w, w.module);
    INFO(r.out);
    REQUIRE(r.exit_code == 0);
    CHECK(w.upstream_funcs() == Funcs{"whoami"});
    expect_savebalance(w.host_calls("processing.savebalance").at(0), w.module, "12345.60");
}

TEST_CASE("getbalance: neither whoami nor subaccount, then the notice of notify") {
    World w;
    w.upstream.set_shape("whoami_without_balance");
    w.upstream.fault("subaccount", "error_xml", {1, -1, "access", "func", "Access denied"});
    ModuleResult r = getbalance(w, w.module);
    INFO(r.out);
    REQUIRE(r.exit_code == 0);
    CHECK(w.upstream_funcs() == Funcs{"whoami", "subaccount", "notify"});
    expect_savebalance(w.host_calls("processing.savebalance").at(0), w.module, "1000.00");
    CHECK(w.log().find("subaccount gives upstream error (access): Access denied") !=
          std::string::npos);

    SUBCASE("no source at all: a readable error, nothing saved") {
        w.upstream.fault("subaccount", "error_xml", {1, -1, "access", "func", "Access denied"});
        w.upstream.fault("notify", "error_xml", {1, -1, "missed", "func", "No such function"});
        w.clear_records();
        ModuleResult none = getbalance(w, w.module);
        CHECK(none.exit_code == 1);
        CHECK(error_type(none) == pmb::errtype::kBadResponse);
        CHECK(xpath(none.out, "/doc/error/msg")
                  .find("reports no balance (whoami: no balance; "
                        "subaccount: ") != std::string::npos);
        CHECK(w.host_funcs().empty());
    }
}

TEST_CASE("getbalance without --module: one module failing is logged, the others are saved") {
    World w;
    const int broken = add_module(w, "wrong password", "Not-the-password-1");
    ModuleResult r = getbalance(w);
    INFO(r.out);
    REQUIRE(r.exit_code == 0);
    CHECK(xpath(r.out, "count(/doc/module)") == "1");
    CHECK(xpath(r.out, "/doc/module/@id") == std::to_string(w.module));
    REQUIRE(w.host_funcs() == Funcs{"processing.savebalance"});
    expect_savebalance(w.host_calls().back(), w.module, "1000.00");
    CHECK_FALSE(w.host.module_balance(broken).balance);
    CHECK(w.log().find("getbalance: processing module " + std::to_string(broken) +
                       " failed: [invalid_login_or_passwd]") != std::string::npos);
    CHECK(r.out.find("Not-the-password-1") == std::string::npos);
    CHECK(w.log().find("Not-the-password-1") == std::string::npos);
}

TEST_CASE("getbalance: every module failing is exit 1 with a readable error naming each") {
    World w;
    const int second = add_module(w, "second");
    w.upstream.fault("whoami", "http502", {0});
    ModuleResult r = getbalance(w);
    INFO(r.out);
    CHECK(r.exit_code == 1);
    CHECK(error_type(r) == pmb::errtype::kBadResponse);
    std::string msg = xpath(r.out, "/doc/error/msg");
    CHECK(msg.find("no processing module could refresh its upstream balance") != std::string::npos);
    CHECK(msg.find("module " + std::to_string(w.module) + ": ") != std::string::npos);
    CHECK(msg.find("module " + std::to_string(second) + ": ") != std::string::npos);
    CHECK(w.host_funcs().empty());
    CHECK(w.upstream.count("whoami") == 8);  // each module: one try and ReadRetries 3

    ModuleResult one = getbalance(w, second);
    CHECK(one.exit_code == 1);
    CHECK(error_type(one) == pmb::errtype::kBadResponse);
}

TEST_CASE("after open: the dashboard balance is what the order left, on the kept connection") {
    World w;
    CertificateOrder order = w.add_order({});
    ModuleResult r = w.run_item("open", order.item);
    INFO(r.out);
    REQUIRE(r.exit_code == 0);
    CHECK(w.upstream_funcs() == Funcs{"certificate.order.param", "certificate.edit", "whoami"});
    CHECK(w.upstream.balance() == "990.00");
    auto saved = w.host_calls("processing.savebalance");
    REQUIRE(saved.size() == 1);
    expect_savebalance(saved[0], w.module, "990.00");
    CHECK(w.host.module_balance(w.module).balance == w.upstream.balance());

    SUBCASE("commands that pay nothing read no balance") {
        const std::string id = *w.host.item_param(order.item, "upstream_id");
        for (const char* command :
             {"sync_item", "reopen", "sync_item", "setparam", "suspend", "resume", "close"}) {
            CAPTURE(command);
            if (std::string(command) == "reopen")
                w.upstream.advance(id, "issued");
            w.clear_records();
            REQUIRE(w.run_item(command, order.item).exit_code == 0);
            CHECK(w.upstream.count("whoami") == 0);
            CHECK(w.host_calls("processing.savebalance").empty());
        }
    }
}

TEST_CASE("a refresh that fails never fails the paid order") {
    World w;
    CertificateOrder order = w.add_order({});
    w.upstream.fault("whoami", "http500", {0});
    ModuleResult r = w.run_item("open", order.item);
    INFO(r.out);
    REQUIRE(r.exit_code == 0);
    CHECK(w.host.item_status(order.item) == 2);
    CHECK(w.upstream.count("whoami") == 1);  // quick: no retry after a paid call
    CHECK(w.host_calls("processing.savebalance").empty());
    CHECK(w.log().find("could not refresh the upstream balance of processing module") !=
          std::string::npos);
}

TEST_CASE("an order refused for lack of money refreshes the balance, the error stays") {
    World w;
    CertificateOrder order = w.add_order({});
    const int operation = w.host.add_running_operation();
    w.upstream.set_balance("5.00");
    w.upstream.fault("certificate.order.param", "error_xml",
                     {1, -1, "balance", "account", "Not enough money on the account"});
    ModuleResult r = w.run_item("open", order.item, operation);
    INFO(r.out);
    CHECK(r.exit_code == 1);
    CHECK(error_type(r) == pmb::errtype::kBalance);
    CHECK(w.upstream_funcs() == Funcs{"certificate.order.param", "whoami"});
    CHECK(w.upstream.count_committing("certificate.order.param") == 1);
    auto saved = w.host_calls("processing.savebalance");
    REQUIRE(saved.size() == 1);
    expect_savebalance(saved[0], w.module, "5.00");
    const std::string stored = w.host.running_operation(operation).errorxml.value_or("");
    CHECK(stored.find("type=\"pmbillmgrssl_balance\"") != std::string::npos);

    SUBCASE("and when the refresh fails too, the refusal is still what is reported") {
        w.upstream.fault("certificate.order.param", "error_xml",
                         {1, -1, "balance", "account", "Not enough money on the account"});
        w.upstream.fault("whoami", "html", {0});
        w.clear_records();
        ModuleResult again = w.run_item("open", order.item, operation);
        CHECK(again.exit_code == 1);
        CHECK(error_type(again) == pmb::errtype::kBalance);
        CHECK(w.host_calls("processing.savebalance").empty());
    }
}

TEST_CASE("after prolong: the balance the renewal left") {
    World w;
    CertificateOrder order = w.add_order({});
    REQUIRE(w.run_item("open", order.item).exit_code == 0);
    w.upstream.advance(*w.host.item_param(order.item, "upstream_id"), "issued");
    REQUIRE(w.run_item("sync_item", order.item).exit_code == 0);
    w.clear_records();
    ModuleResult r = w.run_item("prolong", order.item);
    INFO(r.out);
    REQUIRE(r.exit_code == 0);
    CHECK(w.upstream_funcs() == Funcs{"certificate.edit", "service.prolong", "whoami"});
    CHECK(w.upstream.balance() == "980.00");
    expect_savebalance(w.host_calls("processing.savebalance").at(0), w.module, "980.00");
}
