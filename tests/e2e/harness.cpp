#include "harness.h"

#include "crypto.h"

#include <libxml/parser.h>
#include <libxml/xpath.h>

#include <filesystem>
#include <map>
#include <memory>

namespace pmtest {
namespace {

// One test CA and server certificate per test process, made here before any fake upstream
// starts (they only read it): three RSA keys per World were most of a World's start.
const std::string& shared_tls_dir() {
    static const struct Dir {
        std::string path = make_temp_dir("pmtest-upstream-tls-");
        Dir() { fake_upstream::load_or_create_authority(path); }
        ~Dir() { remove_tree(path); }
    } dir;
    return dir.path;
}

}  // namespace

World::World(WorldOptions options)
    : upstream([&] {
          FakeUpstreamOptions u = options.upstream;
          if (u.password.empty())
              u.password = kUpstreamPassword;
          if (u.user.empty())
              u.user = kUpstreamUser;
          if (u.tls && u.tls_dir.empty())
              u.tls_dir = shared_tls_dir();
          return u;
      }()),
      options_(std::move(options)) {
    module =
        host.add_module("upstream", {{"url", upstream.base_url()}, {"username", kUpstreamUser}},
                        {{"password", kUpstreamPassword}});
    write_config(options_.extra_config);
}

void World::write_config(const std::string& lines) {
    // ChargeSettleSeconds 0: most suites retry at once after a lost answer and must see the
    // charge decided then; the late-view tests ask for a settle time of their own.
    // ListCacheSeconds 0: each sync_item reads its own certificate, as the suites assert
    // step by step; sync_burst_test turns the list snapshot of a burst of syncs on.
    std::string config =
        "LogLevel debug\nTimeout 8\nConnectTimeout 3\nRetryDelayMs 50\nChargeSettleSeconds 0\n"
        "ListCacheSeconds 0\n";
    if (options_.trust_upstream_ca)
        config += "CAFile " + upstream.ca_file() + "\n";
    std::filesystem::create_directories(host.root() + "/etc");
    write_file(host.root() + "/etc/pmbillmgrssl.conf", config + lines);
}

World::Fleet World::add_issued_fleet(int n) {
    const CertificateOrder tariff = add_order();  // the tariff; this order itself stays unopened
    const long first = upstream.add_bulk(n, "issued");
    std::map<std::string, std::string> expiry;
    for (const CertificateState& cert : upstream.state())
        expiry[cert.id] = cert.expiredate;
    Fleet fleet;
    for (long id = first; id < first + n; ++id) {
        const std::string upstream_id = std::to_string(id);
        const int item = host.add_item(tariff.pricelist, 12, 2, module);
        host.set_item_param(item, "upstream_id", upstream_id);
        host.set_item_param(item, "service_status", "5");
        host.set_item_param(item, "certificate_opened", "yes");
        host.set_item_param(item, "CN", "c" + upstream_id + ".bulk.example");
        host.set_certificate(item, "", "",
                             "-----BEGIN CERTIFICATE-----\nMA==\n-----END CERTIFICATE-----\n");
        host.db().execute("UPDATE item SET expiredate = ? WHERE id = ?",
                          {expiry[upstream_id], std::to_string(item)});
        fleet.items.push_back(item);
        fleet.upstream_ids.push_back(id);
    }
    return fleet;
}

CertificateOrder World::add_order(CertificateOrderOptions options) {
    options.module = module;
    if (options.upstream_pricelist == CertificateOrderOptions{}.upstream_pricelist)
        options.upstream_pricelist = "115";  // a tariff the fake upstream sells
    return host.add_certificate_order(options);
}

ModuleResult World::run(const std::vector<std::string>& args, const std::string& input,
                        int timeout_ms) {
    ModuleResult r = run_unrecorded(args, input, timeout_ms);
    transcript_ += r.out + r.err;
    return r;
}

ModuleResult World::run_unrecorded(const std::vector<std::string>& args, const std::string& input,
                                   int timeout_ms) const {
    std::vector<std::string> argv{PMBILLMGRSSL_EXE};
    argv.insert(argv.end(), args.begin(), args.end());
    RunOptions options;
    options.env_set = host.env();
    options.stdin_data = input;
    options.cwd = host.root();
    options.timeout = std::chrono::milliseconds(timeout_ms);
    RunResult r = pmtest::run(argv, options);
    return {r.exit_code, r.out, r.err, r.timed_out};
}

ModuleResult World::run_item(const std::string& command, int item, int running_operation) {
    std::vector<std::string> args{"--command", command, "--item", std::to_string(item)};
    if (running_operation) {
        args.push_back("--runningoperation");
        args.push_back(std::to_string(running_operation));
    }
    return run(args);
}

Child World::start(const std::vector<std::string>& args) {
    std::vector<std::string> argv{PMBILLMGRSSL_EXE};
    argv.insert(argv.end(), args.begin(), args.end());
    RunOptions options;
    options.env_set = host.env();
    options.cwd = host.root();
    return Child(argv, options);
}

std::string World::log() const {
    return read_file(host.root() + "/var/pmbillmgrssl.log");
}

namespace {

std::string xml_escaped(const std::string& value) {
    std::string out;
    for (char c : value) {
        if (c == '&')
            out += "&amp;";
        else if (c == '<')
            out += "&lt;";
        else if (c == '>')
            out += "&gt;";
        else
            out += c;
    }
    return out;
}

}  // namespace

std::string World::check_connection_input(const std::string& url, const std::string& password) {
    return "<doc><processingmodule><id>" + std::to_string(module) + "</id><url>" + url +
           "</url><username>" + kUpstreamUser + "</username><password>" + xml_escaped(password) +
           "</password></processingmodule></doc>";
}

std::vector<Request> World::upstream_calls(const std::string& func) {
    std::vector<Request> out;
    for (auto& r : upstream.requests())
        if (func.empty() || r.func == func)
            out.push_back(r);
    return out;
}

std::vector<MgrctlCall> World::host_calls(const std::string& func) {
    std::vector<MgrctlCall> out;
    for (auto& c : host.calls())
        if (func.empty() || c.func == func)
            out.push_back(c);
    return out;
}

std::vector<std::string> World::host_funcs() {
    std::vector<std::string> out;
    for (auto& c : host.calls())
        if (c.func != "paramlist")
            out.push_back(c.func);
    return out;
}

std::vector<std::string> World::upstream_funcs() {
    std::vector<std::string> out;
    for (auto& r : upstream.requests())
        out.push_back(r.func);
    return out;
}

void World::clear_records() {
    upstream.clear_requests();
    host.clear_calls();
}

std::string describe(const MgrctlCall& call) {
    std::string out = call.func;
    for (const auto& [k, v] : call.params)
        out += " " + k + "=" + v.substr(0, 40);
    return out;
}

std::string xpath(const std::string& xml, const std::string& expression) {
    std::unique_ptr<xmlDoc, decltype(&xmlFreeDoc)> doc(
        xmlReadMemory(xml.data(), static_cast<int>(xml.size()), nullptr, "UTF-8",
                      XML_PARSE_NONET | XML_PARSE_NOERROR | XML_PARSE_NOWARNING | XML_PARSE_HUGE),
        xmlFreeDoc);
    if (!doc)
        return "";
    std::unique_ptr<xmlXPathContext, decltype(&xmlXPathFreeContext)> context(
        xmlXPathNewContext(doc.get()), xmlXPathFreeContext);
    std::string wrapped = "string(" + expression + ")";
    std::unique_ptr<xmlXPathObject, decltype(&xmlXPathFreeObject)> result(
        xmlXPathEvalExpression(reinterpret_cast<const xmlChar*>(wrapped.c_str()), context.get()),
        xmlXPathFreeObject);
    return result && result->stringval ? reinterpret_cast<const char*>(result->stringval) : "";
}

}  // namespace pmtest
