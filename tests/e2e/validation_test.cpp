// Domain validation as BILLmanager drives it: the client's method passed through on the
// order, the data the client must publish copied into the item params while the upstream
// validates, and the re-send commands send_dv_email and send_dv_dns. The exact upstream
// requests and mgrctl calls are asserted.
#include <doctest/doctest.h>

#include <algorithm>

#include "e2e_util.h"

using namespace pmtest;

namespace {

using Params = std::vector<std::pair<std::string, std::string>>;

// Every param of the request but the credentials, in order: what the module chose to send.
Params sent(const Request& request) {
    Params params;
    for (const auto& param : request.params)
        if (param.first != "authinfo" && param.first != "auth")
            params.push_back(param);
    return params;
}

// "name=value&…": readable when a comparison fails.
std::string text(const Params& params) {
    std::string out;
    for (const auto& [name, value] : params)
        out += (out.empty() ? "" : "&") + name + "=" + value;
    return out;
}

// The mgrctl writes of the last run ("func name=value" for saveparam, else the func).
std::vector<std::string> writes(World& w) {
    std::vector<std::string> out;
    for (const MgrctlCall& call : w.host_calls()) {
        if (call.func == "paramlist")
            continue;
        out.push_back(call.func == "service.saveparam"
                          ? call.func + " " + call.param("name") + "=" + call.param("value")
                          : call.func);
    }
    return out;
}

// The order request's params besides the subject, contacts and key, which lifecycle_test
// covers: the approval part.
Params approval_part(const Request& request) {
    Params out;
    for (const auto& param : sent(request))
        if (param.first.rfind("approver", 0) == 0 || param.first.rfind("auth_", 0) == 0)
            out.push_back(param);
    return out;
}

ModuleResult run_command(World& w, const std::vector<std::string>& args, int operation = 0) {
    std::vector<std::string> argv = args;
    if (operation) {
        argv.push_back("--runningoperation");
        argv.push_back(std::to_string(operation));
    }
    return w.run(argv);
}

const std::vector<std::pair<std::string, std::string>> kResendFunctions = {
    {"email", "certificate.dcv.email"}, {"dns", "certificate.dcv.dns"}};

CertificateOrder opened_order(World& w, CertificateOrderOptions options) {
    CertificateOrder order = w.add_order(options);
    ModuleResult r = w.run_item("open", order.item);
    INFO(r.out);
    REQUIRE(r.exit_code == 0);
    w.clear_records();
    return order;
}

}  // namespace

TEST_CASE("a DNS order from open to issued: the TXT value written once, again when it changes") {
    World w;
    CertificateOrderOptions options = multidomain_order();
    options.approver_method = "auth_dnstxt";
    CertificateOrder order = w.add_order(options);
    const std::string item = std::to_string(order.item);

    ModuleResult r = w.run_item("open", order.item);
    INFO(r.out);
    REQUIRE(r.exit_code == 0);
    CHECK(w.upstream_funcs() == Funcs{"certificate.order.param", "certificate.edit", "whoami"});
    const Request placed = w.upstream_calls("certificate.order.param").at(0);
    // no approver address for DNS, though the item lists them; no file protocol
    CHECK(approval_part(placed) == Params{{"approver_method", "auth_dnstxt"}});
    CHECK(placed.param("altname") == "www.example.com");
    const std::string id = w.upstream.state().at(0).id;
    CHECK(w.upstream.state().at(0).approver_method == "auth_dnstxt");
    const std::string token = "pmb-dcv-" + id + "-1";
    const std::vector<std::string> opened = writes(w);
    REQUIRE(opened.size() == 9);
    CHECK(opened[0].rfind("service.saveparam order_attempt=", 0) == 0);
    CHECK(opened[1] == "service.saveparam upstream_id=" + id);
    CHECK(opened[2].rfind("service.saveparam csr_sha256=", 0) == 0);
    CHECK(std::vector<std::string>(opened.begin() + 3, opened.end()) ==
          std::vector<std::string>{"service.setstatus", "service.postopen",
                                   "service.saveparam auth_dnstxt_value=" + token,
                                   "service.saveparam domains_list=example.com,www.example.com",
                                   "service.setstatus", "processing.savebalance"});
    CHECK(w.host.item_param(order.item, "auth_dnstxt_value") == token);
    CHECK(w.host.item_param(order.item, "domains_list") == "example.com,www.example.com");

    // an unchanged sync writes nothing
    w.clear_records();
    REQUIRE(w.run_item("sync_item", order.item).exit_code == 0);
    CHECK(w.upstream_funcs() == Funcs{"certificate.edit"});
    CHECK(w.host_funcs().empty());

    // the CA asks for a new value: only that param is written
    w.upstream.admin("dcv_rotate", {{"id", id}});
    w.clear_records();
    REQUIRE(w.run_item("sync_item", order.item).exit_code == 0);
    CHECK(w.upstream_funcs() == Funcs{"certificate.edit"});
    CHECK(writes(w) ==
          std::vector<std::string>{"service.saveparam auth_dnstxt_value=pmb-dcv-" + id + "-2"});
    expect_call(w.host_calls("service.saveparam").at(0), "service.saveparam",
                {{"elid", item}, {"name", "auth_dnstxt_value"}, {"sok", "ok"}});

    // issued: the certificate, no validation data
    w.upstream.advance(id, "issued");
    w.clear_records();
    REQUIRE(w.run_item("sync_item", order.item).exit_code == 0);
    CHECK(w.upstream_funcs() == Funcs{"certificate.edit", "certificate.file"});
    CHECK(w.host_funcs() == Funcs{"certificate.save", "service.setexpiredate", "service.setstatus",
                                  "certificate.open", "service.saveparam"});
    CHECK(w.host.item_status(order.item) == 2);
}

TEST_CASE("a file order: the protocol passed through, the file under other names, extras logged") {
    World w;
    w.upstream.set_shape(
        "dcv_fields", true,
        {{"names", "dcv_fqdn"}, {"file_name", "file_name"}, {"file_value", "dcv_file_content"}});
    w.upstream.set_shape("dcv_extra_fields");
    CertificateOrderOptions options;
    options.approver_method = "auth_file";
    CertificateOrder order = w.add_order(options);
    w.host.set_item_param(order.item, "auth_file_protocol", "on");

    ModuleResult r = w.run_item("open", order.item);
    INFO(r.out);
    REQUIRE(r.exit_code == 0);
    CHECK(approval_part(w.upstream_calls("certificate.order.param").at(0)) ==
          Params{{"approver_method", "auth_file"}, {"auth_file_protocol", "on"}});
    const std::string id = w.upstream.state().at(0).id;
    CHECK(w.upstream.state().at(0).field("auth_file_protocol") == "on");
    CHECK(w.host.item_param(order.item, "auth_file_name") == "pmb" + id + ".txt");
    CHECK(w.host.item_param(order.item, "auth_file_value") == "pmb-dcv-" + id + "-1");
    CHECK(w.host.item_param(order.item, "domains_list") == "example.com");
    CHECK(w.host.item_param(order.item, "dcv_fields_logged") == "dcv_status,auth_dnstxt_host");
    CHECK(w.log().find("validation fields the module does not read: dcv_status=pending; "
                       "auth_dnstxt_host=_dnsauth.example.com") != std::string::npos);

    w.clear_records();
    REQUIRE(w.run_item("sync_item", order.item).exit_code == 0);
    CHECK(w.host_funcs().empty());
}

TEST_CASE("an unknown validation method is refused before anything is bought") {
    World w;
    CertificateOrderOptions options;
    options.approver_method = "auth_cname";
    CertificateOrder order = w.add_order(options);
    const int operation = w.host.add_running_operation(1);

    ModuleResult r = w.run_item("open", order.item, operation);
    INFO(r.out);
    CHECK(r.exit_code == 1);
    CHECK(error_type(r) == "value");
    CHECK(r.out.find("approver_method") != std::string::npos);
    CHECK(w.upstream_funcs().empty());
    CHECK(w.upstream.state().empty());
    CHECK(w.host_funcs() == Funcs{"runningoperation.edit"});
    CHECK(w.host.running_operation(operation).errorxml.value_or("").find("auth_cname") !=
          std::string::npos);
}

TEST_CASE("send_dv_email as BILLmanager runs it: the configured function, the new approvers") {
    World w({{}, true, "DcvEmailFunction certificate.dcv.email\n"});
    w.upstream.set_shape("dcv_functions", true, kResendFunctions);
    CertificateOrder order = opened_order(w, multidomain_order());
    const std::string id = w.upstream.state().at(0).id;
    const int operation = w.host.add_running_operation(0);

    ModuleResult r =
        run_command(w,
                    {"--command", "send_dv_email", "--item", std::to_string(order.item), "--emails",
                     "hostmaster@example.com,webmaster@example.com"},
                    operation);
    INFO(r.out);
    REQUIRE(r.exit_code == 0);
    CHECK(w.upstream_funcs() == Funcs{"certificate.dcv.email", "certificate.edit"});
    CHECK(text(sent(w.upstream_calls("certificate.dcv.email").at(0))) ==
          text(Params{{"func", "certificate.dcv.email"},
                      {"out", "xml"},
                      {"lang", "en"},
                      {"elid", id},
                      {"sok", "ok"},
                      {"approver_email_1", "hostmaster@example.com"},
                      {"approver_email_2", "webmaster@example.com"}}));
    CHECK(writes(w) ==
          std::vector<std::string>{"service.saveparam approver_email=hostmaster@example.com,"
                                   "webmaster@example.com"});
    CHECK(w.upstream.state().at(0).field("approver_email_1") == "hostmaster@example.com");
    CHECK(w.upstream.state().at(0).field("approver_email_2") == "webmaster@example.com");
    CHECK(w.upstream.count_committing("certificate.reissue.step2") == 0);
}

TEST_CASE("send_dv_dns as BILLmanager runs it: one domain re-checked, then one sync") {
    World w({{}, true, "DcvDnsFunction certificate.dcv.dns\n"});
    w.upstream.set_shape("dcv_functions", true, kResendFunctions);
    CertificateOrderOptions options = multidomain_order();
    options.approver_method = "auth_dnstxt";
    CertificateOrder order = opened_order(w, options);
    const std::string id = w.upstream.state().at(0).id;

    ModuleResult r = run_command(w, {"--command", "send_dv_dns", "--item",
                                     std::to_string(order.item), "--domain", "www.example.com"});
    INFO(r.out);
    REQUIRE(r.exit_code == 0);
    CHECK(w.upstream_funcs() == Funcs{"certificate.dcv.dns", "certificate.edit"});
    CHECK(text(sent(w.upstream_calls("certificate.dcv.dns").at(0))) ==
          text(Params{{"func", "certificate.dcv.dns"},
                      {"out", "xml"},
                      {"lang", "en"},
                      {"elid", id},
                      {"sok", "ok"},
                      {"domain", "www.example.com"}}));
    CHECK(w.host_funcs().empty());  // the sync finds nothing changed
    CHECK(w.upstream.state().at(0).field("dns_rechecks") == "www.example.com");

    // issued meanwhile: the sync after the re-check records it
    w.upstream.advance(id, "issued");
    w.clear_records();
    r = run_command(w, {"--command", "send_dv_dns", "--item", std::to_string(order.item),
                        "--domain", "example.com"});
    // the upstream refuses a re-check of an issued certificate: the error path, no write
    CHECK(r.exit_code == 1);
    CHECK(w.upstream_funcs() == Funcs{"certificate.dcv.dns"});
    CHECK(w.host_funcs().empty());
}

TEST_CASE(
    "without DcvDnsFunction send_dv_dns only syncs; without DcvEmailFunction send_dv_email "
    "is unsupported") {
    World w;
    w.upstream.set_shape("dcv_functions", true, kResendFunctions);
    CertificateOrder order = opened_order(w, multidomain_order());

    ModuleResult r = run_command(w, {"--command", "send_dv_dns", "--item",
                                     std::to_string(order.item), "--domain", "example.com"});
    INFO(r.out);
    REQUIRE(r.exit_code == 0);
    CHECK(w.upstream_funcs() == Funcs{"certificate.edit"});
    CHECK(w.host_funcs().empty());

    const int operation = w.host.add_running_operation(0);
    w.clear_records();
    r = run_command(w,
                    {"--command", "send_dv_email", "--item", std::to_string(order.item), "--emails",
                     "hostmaster@example.com"},
                    operation);
    CHECK(r.exit_code == 1);
    CHECK(error_type(r) == "unsupported");
    CHECK(r.out.find("DcvEmailFunction") != std::string::npos);
    CHECK(r.out.find("probe_upstream") != std::string::npos);
    CHECK(w.upstream_funcs().empty());  // never a reissue instead
    CHECK(w.host_funcs() == Funcs{"runningoperation.edit"});
    CHECK(w.host.running_operation(operation).errorxml.value_or("").find("DcvEmailFunction") !=
          std::string::npos);
    CHECK(w.host.item_param(order.item, "approver_email") == "admin@example.com,admin@example.com");
}

TEST_CASE("send_dv_email against an upstream without that function: its error, nothing saved") {
    World w({{}, true, "DcvEmailFunction certificate.dcv.email\n"});
    CertificateOrder order = opened_order(w, multidomain_order());
    const int operation = w.host.add_running_operation(0);

    ModuleResult r = run_command(w,
                                 {"--command", "send_dv_email", "--item",
                                  std::to_string(order.item), "--emails", "hostmaster@example.com"},
                                 operation);
    INFO(r.out);
    CHECK(r.exit_code == 1);
    // the upstream's own refusal, passed on: BILLmanager's unknown function error
    CHECK(error_type(r) == "missed");
    CHECK(r.out.find("Function 'certificate.dcv.email' not found") != std::string::npos);
    CHECK(w.upstream_funcs() == Funcs{"certificate.dcv.email"});
    CHECK(w.host_funcs() == Funcs{"runningoperation.edit"});
    CHECK(w.host.running_operation(operation).errorxml.value_or("").find("certificate.dcv.email") !=
          std::string::npos);
    CHECK(w.host.item_param(order.item, "approver_email") == "admin@example.com,admin@example.com");
}

TEST_CASE("a www. SAN added on reissue takes the CN's approver; another domain is refused") {
    World w;
    CertificateOrder order = opened_order(w, {});  // example.com, approver admin@example.com
    const std::string id = w.upstream.state().at(0).id;
    w.upstream.advance(id, "issued");
    REQUIRE(w.run_item("sync_item", order.item).exit_code == 0);
    w.host.set_item_param(order.item, "old_altname", "");
    w.host.set_item_param(order.item, "altname", "www.example.com");
    w.clear_records();

    ModuleResult r = w.run_item("reopen", order.item, w.host.add_running_operation(0));
    INFO(r.out);
    REQUIRE(r.exit_code == 0);
    CHECK(text(approval_part(w.upstream_calls("certificate.reissue.step2").at(0))) ==
          text(Params{{"approver_method", "auth_email"},
                      {"approver_email_1", "admin@example.com"},
                      {"approver_email_2", "admin@example.com"}}));

    w.upstream.advance(id, "issued");
    w.host.set_item_param(order.item, "altname", "www.example.com example.net");
    w.clear_records();
    r = w.run_item("reopen", order.item, w.host.add_running_operation(0));
    CHECK(r.exit_code == 1);
    CHECK(error_type(r) == "missed");
    CHECK(r.out.find("example.net") != std::string::npos);
    CHECK(w.upstream.count_committing("certificate.reissue.step2") == 0);
}
