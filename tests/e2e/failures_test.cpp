// Upstream failures during each command: a readable error, exit 1, the error stored on the
// running operation, the local state still retryable, and a retry after the fault clears
// succeeds. Named cases, table-driven, as cert-manager's sample issuer does it.
#include <doctest/doctest.h>

#include <chrono>

#include "core/error.h"
#include "e2e_util.h"

using namespace pmtest;

namespace {

struct UpstreamFault {
    const char* name;
    const char* kind;  // a fake-upstream fault kind
    const char* error_type;
    FaultOptions options;
};

const UpstreamFault kFaults[] = {
    {"timeout", "hang", pmb::errtype::kConnection, {0, 6000}},
    {"HTTP 500", "http500", pmb::errtype::kBadResponse, {0}},
    {"502 HTML page", "http502", pmb::errtype::kBadResponse, {0}},
    {"HTML with 200", "html", pmb::errtype::kBadResponse, {0}},
    {"truncated XML", "truncated", pmb::errtype::kBadResponse, {0}},
    {"empty body", "empty", pmb::errtype::kBadResponse, {0}},
    {"auth error",
     "error_xml",
     "invalid_login_or_passwd",
     {0, -1, "auth", "badpassword", "Invalid"}},
    {"upstream value error",
     "error_xml",
     pmb::errtype::kUpstream,
     {0, -1, "value", "period", "Bad period"}},
};

struct Command {
    const char* name;
    const char* func;  // the upstream function the fault hits
    bool needs_issued;
    bool charging;  // func spends money or restarts validation
};

const Command kCommands[] = {
    {"open", "certificate.order.param", false, true},
    {"sync_item", "certificate.edit", false, false},
    {"reopen", "certificate.reissue.step2", true, true},
    {"prolong", "service.prolong", true, true},
    {"close", "certificate.delete", true, false},
};

// A charging call that got no API answer (a timeout, an error page, a broken body) may have
// reached the upstream: its outcome is unknown. Only an error document says "refused".
std::string expected_type(const Command& command, const UpstreamFault& fault) {
    if (command.charging && std::string(fault.kind) != "error_xml")
        return pmb::errtype::kUnknownOutcome;
    return fault.error_type;
}

void prepare(World& w, const CertificateOrder& order, const Command& command) {
    if (std::string(command.name) == "open")
        return;
    REQUIRE(w.run_item("open", order.item).exit_code == 0);
    if (!command.needs_issued)
        return;
    w.upstream.advance(*w.host.item_param(order.item, "upstream_id"), "issued");
    REQUIRE(w.run_item("sync_item", order.item).exit_code == 0);
}

// A failed command leaves the item as it was, apart from the marker of an order or renewal
// that may have reached the upstream (what makes the retry safe).
ParamMap params_except_attempts(World& w, const CertificateOrder& order) {
    ParamMap params = w.host.item_params(order.item);
    params.erase("order_attempt");
    params.erase("prolong_attempt");
    params.erase("reissue_attempt");
    return params;
}

}  // namespace

TEST_CASE("every upstream failure of every command is handled and recoverable") {
    for (const Command& command : kCommands) {
        for (const UpstreamFault& fault : kFaults) {
            CAPTURE(command.name);
            CAPTURE(fault.name);
            World w({{}, true, "Timeout 2\nReadRetries 1\n"});
            CertificateOrder order = w.add_order({});
            prepare(w, order, command);
            const auto params_before = params_except_attempts(w, order);
            const int operation = w.host.add_running_operation(1);
            w.upstream.fault(command.func, fault.kind, fault.options);

            ModuleResult failed = w.run_item(command.name, order.item, operation);
            INFO(failed.out);
            CHECK(failed.exit_code == 1);
            const std::string type = expected_type(command, fault);
            CHECK(error_type(failed) == type);
            CHECK(failed.out.find("<msg>") != std::string::npos);
            auto saved = w.host.running_operation(operation).errorxml.value_or("");
            CHECK(saved.find("type=\"" + type + "\"") != std::string::npos);
            CHECK(w.upstream.count("certificate.order.param") <= 1);
            CHECK(params_except_attempts(w, order) == params_before);

            w.upstream.clear_faults();
            ModuleResult retried = w.run_item(command.name, order.item);
            INFO(retried.out);
            CHECK(retried.exit_code == 0);
            CHECK(w.upstream.state().size() == 1);  // never a duplicate order
            if (std::string(command.name) == "prolong")
                CHECK(w.host_calls("service.postprolong").size() == 1);
        }
    }
}

TEST_CASE("an empty upstream balance: a balance error, nothing charged, retry succeeds") {
    for (const Command& command : kCommands) {
        const std::string name = command.name;
        if (name != "open" && name != "prolong")
            continue;  // the only commands that cost money
        CAPTURE(name);
        World w;
        CertificateOrder order = w.add_order({});
        prepare(w, order, command);
        const auto expiry_before = w.host.item_expiredate(order.item);
        w.upstream.set_balance("0.00");
        ModuleResult r = w.run_item(name, order.item);
        CHECK(r.exit_code == 1);
        CHECK(error_type(r) == pmb::errtype::kBalance);
        CHECK(w.upstream.balance() == "0.00");
        CHECK(w.upstream.state().size() == (name == "open" ? 0u : 1u));
        // the upstream refused before acting: no marker that would hold a retry back
        CHECK_FALSE(w.host.item_param(order.item, name + "_attempt"));
        CHECK(w.host.item_expiredate(order.item) == expiry_before);
        w.upstream.set_balance("1000.00");
        CHECK(w.run_item(name, order.item).exit_code == 0);
        CHECK(w.upstream.state().size() == 1);
        CHECK(w.upstream.balance() != "1000.00");
    }
}

TEST_CASE("validation failures make no upstream call") {
    struct Case {
        const char* name;
        std::function<void(World&, const CertificateOrder&)> spoil;
        const char* error_type;
    };
    const Case cases[] = {
        {"unparseable CSR",
         [](World& w, const CertificateOrder& o) {
             w.host.set_certificate(o.item,
                                    "-----BEGIN CERTIFICATE REQUEST-----\nnope\n"
                                    "-----END CERTIFICATE REQUEST-----\n",
                                    o.csr.key_pem);
         },
         "value"},
        {"CSR for another domain",
         [](World& w, const CertificateOrder& o) {
             CsrPair other = make_csr("other.org");
             w.host.set_certificate(o.item, other.csr_pem, other.key_pem);
         },
         "value"},
        {"missing admin e-mail",
         [](World& w, const CertificateOrder& o) {
             w.host.db().execute("DELETE FROM itemparam WHERE item = ? AND intname = 'adm_email'",
                                 {std::to_string(o.item)});
         },
         "missed"},
        {"not enough approver addresses",
         [](World& w, const CertificateOrder& o) {
             w.host.set_item_param(o.item, "approver_email", "");
         },
         "missed"},
    };
    for (const Case& c : cases) {
        CAPTURE(c.name);
        World w;
        CertificateOrder order = w.add_order({});
        c.spoil(w, order);
        ModuleResult r = w.run_item("open", order.item);
        CHECK(r.exit_code == 1);
        CHECK(error_type(r) == c.error_type);
        CHECK(w.upstream_calls().empty());
        CHECK_FALSE(w.host.item_param(order.item, "order_attempt"));
    }
}

TEST_CASE("a missing item and a failing mgrctl are clear errors") {
    World w;
    ModuleResult r = w.run_item("open", 999999);
    CHECK(r.exit_code == 1);
    CHECK(error_type(r) == "missed");
    CertificateOrder order = w.add_order({});
    w.host.fail("service.postopen");
    r = w.run_item("open", order.item);
    CHECK(r.exit_code == 1);
    CHECK(error_type(r) == pmb::errtype::kMgrctl);
    w.host.clear_faults();
    CHECK(w.run_item("open", order.item).exit_code == 0);
    CHECK(w.upstream.state().size() == 1);
}

TEST_CASE("running operation: the error is stored; at the try limit staff get a task") {
    World w;
    CertificateOrder order = w.add_order({});
    w.upstream.fault("certificate.order.param", "http502", {0});
    const int operation = w.host.add_running_operation(3);
    ModuleResult r = w.run_item("open", order.item, operation);
    CHECK(r.exit_code == 1);
    // a 502 page instead of an answer: the order may have gone through behind the proxy
    CHECK(w.host.running_operation(operation).errorxml.value_or("").find(
              pmb::errtype::kUnknownOutcome) != std::string::npos);
    CHECK(w.host.running_operation(operation).manual != "on");
    CHECK(w.host_calls("task.edit").empty());
    w.host.set_trycount(operation, 10);
    w.clear_records();
    r = w.run_item("open", order.item, operation);
    // the order marker "sending", then "unknown"; then the error on the operation, and a task
    CHECK(w.host_funcs() == Funcs{"service.saveparam", "service.saveparam", "runningoperation.edit",
                                  "runningoperation.setmanual", "task.gettype", "task.edit"});
    expect_call(w.host_calls("task.edit").at(0), "task.edit",
                {{"item", std::to_string(order.item)},
                 {"runningoperation", std::to_string(operation)},
                 {"type", "7"}});
    CHECK(w.host.running_operation(operation).manual == "on");
    const std::string op = std::to_string(operation);
    const std::string errorxml = w.host.running_operation(operation).errorxml.value_or("");
    CHECK(errorxml.find("<error") != std::string::npos);
    expect_call_exact(w.host_calls("runningoperation.edit").at(0), "runningoperation.edit",
                      {{"elid", op}, {"errorxml", errorxml}, {"sok", "ok"}});
    expect_call_exact(w.host_calls("runningoperation.setmanual").at(0),
                      "runningoperation.setmanual", {{"elid", op}});
    expect_call_exact(w.host_calls("task.gettype").at(0), "task.gettype", {{"operation", "open"}});
    expect_call_exact(w.host_calls("task.edit").at(0), "task.edit",
                      {{"item", std::to_string(order.item)},
                       {"runningoperation", op},
                       {"type", "7"},
                       {"sok", "ok"}});
}

TEST_CASE("a config typo fails open visibly: error XML, a log line, the running operation") {
    World w;
    CertificateOrder order = w.add_order({});
    w.write_config("Timout 30\n");
    const int operation = w.host.add_running_operation(10);
    ModuleResult r = w.run_item("open", order.item, operation);
    CHECK(r.exit_code == 1);
    CHECK(error_type(r) == pmb::errtype::kConfig);
    CHECK(r.out.find("unknown setting 'Timout'") != std::string::npos);
    CHECK(w.log().find(std::string("open failed: [") + pmb::errtype::kConfig + "]") !=
          std::string::npos);
    CHECK(w.log().find("unknown setting 'Timout'") != std::string::npos);
    CHECK(w.host.running_operation(operation).errorxml.value_or("").find("Timout") !=
          std::string::npos);
    CHECK(w.host.running_operation(operation).manual == "on");
    CHECK(w.host_calls("task.edit").size() == 1);
    CHECK(w.upstream_calls().empty());
    // features runs on the defaults, so BILLmanager never sees a broken module
    ModuleResult features = w.run({"--command", "features"});
    CHECK(features.exit_code == 0);
    CHECK(features.out.find("<feature name=\"open\"/>") != std::string::npos);
}

TEST_CASE("a certificate that does not verify is never retried, whatever ReadRetries says") {
    WorldOptions o;
    o.trust_upstream_ca = false;
    World w(o);
    w.write_config("ReadRetries 3\nRetryDelayMs 5000\n");
    auto start = std::chrono::steady_clock::now();
    ModuleResult r = w.run({"--command", "import_pricelist", "--module", std::to_string(w.module),
                            "--subcommand", "available"});
    auto seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
    CHECK(r.exit_code == 1);
    CHECK(error_type(r) == pmb::errtype::kConnection);
    CHECK(r.out.find("certificate") != std::string::npos);
    CHECK(w.log().find("try 2 of") == std::string::npos);
    CHECK(seconds < 5);  // a single retry would have waited 5 s (a loaded ASan run takes ~1 s)
}

TEST_CASE("staff tasks as ISPsystem's base makes them") {
    World w;
    CertificateOrder order = w.add_order({});
    w.upstream.fault("certificate.order.param", "http502", {0});
    const int operation = w.host.add_running_operation(10);

    SUBCASE("one task per running operation, however often it fails again") {
        REQUIRE(w.run_item("open", order.item, operation).exit_code == 1);
        CHECK(w.host_calls("task.edit").size() == 1);
        w.clear_records();
        REQUIRE(w.run_item("open", order.item, operation).exit_code == 1);
        CHECK(w.host_funcs() ==
              Funcs{"service.saveparam", "service.saveparam", "runningoperation.edit"});
        CHECK(w.host.query_scalar("SELECT COUNT(*) FROM task WHERE runningoperation = ?",
                                  {std::to_string(operation)}) == "1");
    }
    SUBCASE("no task when task.gettype gives no type") {
        w.host.db().execute("INSERT INTO fake_tasktype (operation, type) VALUES ('open', '')");
        REQUIRE(w.run_item("open", order.item, operation).exit_code == 1);
        CHECK(w.host_funcs() == Funcs{"service.saveparam", "service.saveparam",
                                      "runningoperation.edit", "runningoperation.setmanual",
                                      "task.gettype"});
        CHECK(w.host.running_operation(operation).manual == "on");
    }
    SUBCASE("no task for a command without --item") {
        ModuleResult r = w.run({"--command", "approver", "--module", std::to_string(w.module),
                                "--runningoperation", std::to_string(operation)});
        CHECK(r.exit_code == 1);  // no --domain
        CHECK(w.host_funcs() == Funcs{"runningoperation.edit", "runningoperation.setmanual"});
        CHECK(w.host.running_operation(operation).manual == "on");
    }
}
