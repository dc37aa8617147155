// The panel's side failing: its database down or refusing the module's login, mgrctl crashing
// or answering something that is not XML, and storing the error on the running operation
// failing itself. Each run answers readable error XML, keeps the error on the running
// operation where the panel can still take it, and leaves a state a retry completes from,
// with one upstream order in all.
#include <doctest/doctest.h>

#include <functional>

#include "core/error.h"
#include "e2e_util.h"

using namespace pmtest;

namespace {

// A readable error document: the type asked, a message that names `word`, nothing secret.
void expect_readable_error(const ModuleResult& r, const std::string& type,
                           const std::string& word) {
    INFO(r.out);
    CHECK(r.exit_code == 1);
    CHECK(xpath(r.out, "/doc/error/@type") == type);
    const std::string msg = xpath(r.out, "/doc/error/msg");
    CHECK(msg.find(word) != std::string::npos);
    expect_absent("stdout", r.out, {kUpstreamPassword, MariaDbServer::kBillmgrPassword});
    expect_absent("stderr", r.err, {kUpstreamPassword, MariaDbServer::kBillmgrPassword});
}

std::string stored_error(World& w, int operation) {
    return w.host.running_operation(operation).errorxml.value_or("");
}

// The faults cleared, BILLmanager's retry of the same operation opens the service, and the
// upstream holds exactly one order for it.
// `sent` is every order request the upstream got, the refused ones included.
void expect_retry_opens_once(World& w, const CertificateOrder& order, int operation, int sent = 1) {
    w.host.clear_faults();
    w.upstream.clear_faults();
    ModuleResult retried = w.run_item("open", order.item, operation);
    INFO(retried.out);
    CHECK(retried.exit_code == 0);
    CHECK(orders_of(w, order.item).size() == 1);
    CHECK(w.upstream.count_committing("certificate.order.param") == sent);
    CHECK(w.host.item_status(order.item) == 2);
    CHECK(w.host.item_param(order.item, "upstream_id") == the_order(w, order.item).id);
}

}  // namespace

TEST_CASE("the panel's database unreachable or refusing the login: a database error") {
    const std::pair<HostSandbox::DbFault, const char*> faults[] = {
        {HostSandbox::DbFault::kUnreachable, "unreachable"},
        {HostSandbox::DbFault::kBadLogin, "login refused"},
    };
    for (const auto& [fault, fault_name] : faults) {
        const std::string name = fault_name;
        CAPTURE(name);
        World w;
        CertificateOrder order = w.add_order({});
        const int operation = w.host.add_running_operation(0);
        w.host.break_panel_db(fault);

        ModuleResult failed = w.run_item("open", order.item, operation);
        expect_readable_error(failed, pmb::errtype::kDb, "database");
        // the item could not be read: nothing asked upstream, nothing written to the item
        CHECK(w.upstream_calls().empty());
        CHECK_FALSE(w.host.item_param(order.item, "order_attempt"));
        CHECK(w.host.item_status(order.item) == 1);
        // mgrctl still works, so the error is on the running operation
        CHECK(stored_error(w, operation).find(std::string("type=\"") + pmb::errtype::kDb) !=
              std::string::npos);
        CHECK(w.log().find(std::string("open failed: [") + pmb::errtype::kDb) != std::string::npos);
        expect_absent("the log", w.log(), {MariaDbServer::kBillmgrPassword});

        expect_retry_opens_once(w, order, operation);
    }
}

TEST_CASE("mgrctl crashing or answering non-XML: an mgrctl error, a retry orders nothing more") {
    struct Case {
        const char* name;
        const char* func;  // the mgrctl call that breaks
        bool crash;        // else: text that is not XML
        int orders;        // upstream orders made by the failed run
    };
    const Case cases[] = {
        // the first call: the run cannot even read its item
        {"paramlist crashes", "paramlist", true, 0},
        {"paramlist answers non-XML", "paramlist", false, 0},
        // the order marker cannot be saved: the order must not be sent
        {"the order marker's write crashes", "service.saveparam", true, 0},
        {"the order marker's write answers non-XML", "service.saveparam", false, 0},
        // after the order: the panel did not take the result
        {"postopen crashes", "service.postopen", true, 1},
        {"postopen answers non-XML", "service.postopen", false, 1},
    };
    for (const Case& c : cases) {
        const std::string name = c.name;
        CAPTURE(name);
        World w;
        CertificateOrder order = w.add_order({});
        const int operation = w.host.add_running_operation(0);
        if (c.crash)
            w.host.crash(c.func);
        else
            w.host.answer_garbage(c.func);

        ModuleResult failed = w.run_item("open", order.item, operation);
        expect_readable_error(failed, pmb::errtype::kMgrctl, c.func);
        CHECK(w.upstream.count_committing("certificate.order.param") == c.orders);
        CHECK(static_cast<int>(orders_of(w, order.item).size()) == c.orders);
        // runningoperation.edit itself still works
        CHECK(stored_error(w, operation).find(std::string("type=\"") + pmb::errtype::kMgrctl) !=
              std::string::npos);
        CHECK(stored_error(w, operation).find(c.func) != std::string::npos);
        CHECK(w.host.item_status(order.item) == 1);

        expect_retry_opens_once(w, order, operation);
    }
}

TEST_CASE("storing the error on the running operation fails too: the first error is answered") {
    struct Case {
        const char* name;
        std::function<void(HostSandbox&)> spoil;
    };
    const Case cases[] = {
        {"refused", [](HostSandbox& h) { h.fail("runningoperation.edit"); }},
        {"crashes", [](HostSandbox& h) { h.crash("runningoperation.edit"); }},
        {"answers non-XML", [](HostSandbox& h) { h.answer_garbage("runningoperation.edit"); }},
    };
    for (const Case& c : cases) {
        const std::string name = c.name;
        CAPTURE(name);
        World w;
        CertificateOrder order = w.add_order({});
        const int operation = w.host.add_running_operation(0);
        // refused upstream: surely nothing bought
        w.upstream.fault("certificate.order.param", "error_xml",
                         {1, -1, "value", "period", "Bad period"});
        c.spoil(w.host);

        ModuleResult failed = w.run_item("open", order.item, operation);
        // the upstream's refusal, not the failure to store it
        expect_readable_error(failed, pmb::errtype::kUpstream, "Bad period");
        CHECK(w.host_calls("runningoperation.edit").size() == 1);
        CHECK(stored_error(w, operation).empty());
        CHECK(w.log().find("could not store the error on running operation " +
                           std::to_string(operation)) != std::string::npos);
        CHECK(orders_of(w, order.item).empty());
        CHECK_FALSE(w.host.item_param(order.item, "order_attempt"));

        expect_retry_opens_once(w, order, operation, 2);
    }
}
