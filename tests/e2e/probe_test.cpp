// probe_upstream, the admin's look at the upstream: every section and the config key names in
// its output, the exact requests (the order form without sok: nothing is bought), and no
// password, authinfo or private key in its output or log, in any encoding.
#include <doctest/doctest.h>

#include <utility>

#include "e2e_util.h"

using namespace pmtest;

namespace {

std::string describe_funcs(const Funcs& funcs) {
    std::string out;
    for (const auto& func : funcs)
        out += func + " ";
    return out;
}

bool has(const std::string& text, const std::string& part) {
    return text.find(part) != std::string::npos;
}

ModuleResult probe(World& w, int item = 0) {
    std::vector<std::string> args{"--command", "probe_upstream", "--module",
                                  std::to_string(w.module)};
    if (item) {
        args.push_back("--item");
        args.push_back(std::to_string(item));
    }
    return w.run(args);
}

// (func, out) of every request, in order.
std::vector<std::pair<std::string, std::string>> funcs_and_formats(World& w) {
    std::vector<std::pair<std::string, std::string>> out;
    for (const auto& request : w.upstream_calls())
        out.emplace_back(request.func, request.param("out"));
    return out;
}

}  // namespace

TEST_CASE("probe_upstream --item: every section, the re-send functions, nothing bought") {
    World w;
    CertificateOrder order = w.add_order({});
    REQUIRE(w.run_item("open", order.item).exit_code == 0);
    const std::string id = *w.host.item_param(order.item, "upstream_id");
    w.upstream.advance(id, "issued");
    const std::string leaked = xpath(w.upstream.set_shape("file_with_private_key"), "/doc/key");
    REQUIRE(has(leaked, "PRIVATE KEY"));
    const std::string balance = w.upstream.balance();
    w.clear_records();

    ModuleResult r = probe(w, order.item);
    INFO(r.out);
    REQUIRE(r.exit_code == 0);
    const std::string& out = r.out;
    CHECK(has(out, "service " + std::to_string(order.item) + ": upstream certificate " + id +
                       ", upstream tariff 115"));
    CHECK(has(out, "=== whoami ===\nrequest: func=whoami&out=xml&lang=en\n"));
    CHECK(has(out, "balance: " + balance + " EUR"));
    CHECK(has(out,
              "=== certificate list (one page) ===\n"
              "request: func=certificate&out=xml&lang=en&p_num=1&p_cnt=20\n"));
    CHECK(has(out, "certificates on this page: 1"));
    CHECK(has(out,
              "functions the certificate list offers (out=devel): certificate.order "
              "certificate.edit certificate.file certificate.dcv.email certificate.dcv.dns "
              "service.prolong certificate.delete"));
    CHECK(has(out, "=== certificate.edit of certificate " + id + " ==="));
    CHECK(has(out, "fields that may carry validation data: approver_method"));
    CHECK(has(out,
              "=== order form of tariff 115, without sok: nothing is ordered ===\n"
              "request: func=certificate.order.param&out=xml&lang=en&pricelist=115&period=12"
              "\n"));
    CHECK(has(out, "approver_method offers: auth_email auth_dnstxt"));
    CHECK(has(out,
              "functions the order form offers: none found (out=devel: no metadata in the "
              "answer; out=xjson: no metadata in the answer)"));
    CHECK(has(out, "=== certificate.file of certificate " + id + " ==="));
    CHECK(has(out,
              "functions the file list offers (out=devel): certificate.file.edit "
              "certificate.file.download"));
    CHECK(has(out,
              "=== config keys ===\n"
              "DcvEmailFunction (re-send the validation e-mail): certificate.dcv.email\n"
              "DcvDnsFunction (re-check the DNS validation): certificate.dcv.dns\n"
              "approver_method values of the order form: auth_email auth_dnstxt\n"));

    using P = std::pair<std::string, std::string>;
    CHECK(funcs_and_formats(w) == std::vector<P>{{"whoami", "xml"},
                                                 {"certificate", "xml"},
                                                 {"certificate", "devel"},
                                                 {"certificate.edit", "xml"},
                                                 {"certificate.edit", "devel"},
                                                 {"certificate.order.param", "xml"},
                                                 {"certificate.order.param", "devel"},
                                                 {"certificate.order.param", "xjson"},
                                                 {"certificate.file", "xml"},
                                                 {"certificate.file", "devel"}});
    for (const Request& form : w.upstream_calls("certificate.order.param")) {
        expect_request(form, "certificate.order.param", {{"pricelist", "115"}, {"period", "12"}});
        CHECK_FALSE(form.has("sok"));
        CHECK_FALSE(form.has("skipbasket"));
    }
    for (const Request& request : w.upstream_calls()) {
        CHECK(request.query.empty());
        CHECK(request.source("authinfo") == "body");
    }
    CHECK(w.upstream.count_committing("certificate.order.param") == 0);
    CHECK(w.upstream.balance() == balance);
    CHECK(w.upstream.state().size() == 1);
    CHECK(w.host_funcs().empty());  // the probe writes nothing back

    const std::vector<std::string> secrets = {kUpstreamPassword, MariaDbServer::kBillmgrPassword,
                                              key_fingerprint(leaked),
                                              key_fingerprint(order.csr.key_pem)};
    expect_absent("the probe's output", out, secrets);
    expect_absent("the log", w.log(), secrets);
    CHECK_FALSE(has(out, "authinfo="));
    CHECK_FALSE(has(out, "PRIVATE KEY-----\n"));
    CHECK(has(out, "-----BEGIN CERTIFICATE-----"));  // the certificate itself is shown
}

TEST_CASE("probe_upstream without --item: the first listed certificate, its tariff") {
    World w;
    CertificateOrder order = w.add_order({});
    REQUIRE(w.run_item("open", order.item).exit_code == 0);
    const std::string id = *w.host.item_param(order.item, "upstream_id");
    w.upstream.set_shape("toolbar_xjson_only");
    w.clear_records();
    ModuleResult r = probe(w);
    INFO(r.out);
    REQUIRE(r.exit_code == 0);
    CHECK(has(r.out, "=== certificate.edit of certificate " + id + " ==="));
    CHECK(has(r.out, "=== order form of tariff 115, without sok"));
    // not issued: the upstream refuses the file, and the probe says so and goes on
    CHECK(has(r.out, "=== certificate.file of certificate " + id + " ==="));
    CHECK(has(r.out,
              "failed: [pmbillmgrssl_upstream] upstream error (value): Certificate is not "
              "issued yet"));
    CHECK(has(r.out, "functions the certificate list offers (out=xjson): certificate.order"));
    CHECK(has(r.out, "DcvEmailFunction (re-send the validation e-mail): certificate.dcv.email"));
    CHECK(w.upstream.count_committing("certificate.order.param") == 0);
}

TEST_CASE("probe_upstream on an account with no certificate: the sections it cannot run say why") {
    World w;
    ModuleResult r = probe(w);
    INFO(r.out);
    REQUIRE(r.exit_code == 0);
    CHECK(has(r.out, "certificates on this page: 0"));
    CHECK(has(r.out,
              "=== certificate.edit of certificate (none) ===\nskipped: no certificate is "
              "listed; run it with --item <service> once one is ordered"));
    CHECK(has(r.out,
              "=== order form of tariff (none), without sok: nothing is ordered ===\n"
              "skipped: no tariff is known"));
    INFO(describe_funcs(w.upstream_funcs()));
    CHECK(w.upstream_funcs() == Funcs{"whoami", "certificate", "certificate"});
}

TEST_CASE("probe_upstream: bad credentials are a readable error, the password nowhere") {
    World w;
    w.host.db().execute("DELETE FROM processingcryptedparam", {});
    const std::string wrong = "Wr0ng&Pass:Пароль";
    w.host.db().execute(
        "INSERT INTO processingcryptedparam (processingmodule, intname, value) VALUES (?, ?, ?)",
        {std::to_string(w.module), "password", w.host.crypt(wrong)});
    ModuleResult r = probe(w);
    INFO(r.out);
    CHECK(r.exit_code == 1);
    CHECK(error_type(r) == pmb::errtype::kAuth);
    expect_absent("the probe's output", r.out + r.err, {wrong});
    expect_absent("the log", w.log(), {wrong});
}

TEST_CASE("probe_upstream --item of another module's service is refused") {
    World w;
    CertificateOrder order = w.add_order({});
    int other = w.host.add_module("other", {{"url", w.upstream.base_url()}});
    ModuleResult r = w.run({"--command", "probe_upstream", "--module", std::to_string(other),
                            "--item", std::to_string(order.item)});
    CHECK(r.exit_code == 1);
    CHECK(error_type(r) == pmb::errtype::kValue);
    CHECK(w.upstream_calls().empty());
}
