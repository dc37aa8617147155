// Service import driven as BILLmanager drives it: `import --itemtype certificate` creates a
// service for exactly the upstream certificates no local service stands for, and a second
// run creates none. The mgrctl calls are asserted exactly.
#include <doctest/doctest.h>

#include "e2e_util.h"

using namespace pmtest;

namespace {

CertificateOrder opened_order(World& w, const std::string& cn, const std::string& tariff,
                              const std::vector<std::string>& altnames = {}) {
    CertificateOrderOptions options;
    options.cn = cn;
    options.altnames = altnames;
    options.upstream_pricelist = tariff;
    options.tariff = altnames.empty() ? "local-" + tariff : "local-multidomain-" + tariff;
    CertificateOrder order = w.add_order(options);
    ModuleResult r = w.run_item("open", order.item);
    INFO(r.out);
    REQUIRE(r.exit_code == 0);
    return order;
}

std::string upstream_id_of(World& w, const CertificateOrder& order) {
    return w.host.item_param(order.item, "upstream_id").value_or("");
}

// The local service is gone, as if the upstream certificate had been bought elsewhere.
void forget_locally(World& w, const CertificateOrder& order) {
    std::string item = std::to_string(order.item);
    w.host.db().execute("DELETE FROM itemparam WHERE item = ?", {item});
    w.host.db().execute("DELETE FROM certificate WHERE item = ?", {item});
    w.host.db().execute("DELETE FROM item WHERE id = ?", {item});
}

std::vector<std::string> import_args(const World& w) {
    return {"--command",  "import",     "--module", std::to_string(w.module),
            "--itemtype", "certificate"};
}

}  // namespace

TEST_CASE("import: exactly the unlinked upstream certificates, once") {
    World w;
    CertificateOrder linked = opened_order(w, "linked.example.com", "115");
    CertificateOrder issued =
        opened_order(w, "issued.example.com", "117", {"www.issued.example.com"});
    CertificateOrder pending = opened_order(w, "pending.example.com", "115");
    CertificateOrder reply_lost = opened_order(w, "lost.example.com", "115");
    CertificateOrder deleted = opened_order(w, "deleted.example.com", "115");
    const std::string issued_id = upstream_id_of(w, issued);
    const std::string pending_id = upstream_id_of(w, pending);
    const std::string issued_expiry = w.upstream.advance(issued_id);
    REQUIRE(w.run_item("close", deleted.item).exit_code == 0);
    forget_locally(w, issued);
    forget_locally(w, pending);
    forget_locally(w, deleted);
    // Its upstream_id never got saved, but the upstream's remoteid names it.
    w.host.db().execute("DELETE FROM itemparam WHERE item = ? AND intname = 'upstream_id'",
                        {std::to_string(reply_lost.item)});
    // The imported tariffs: intname = the upstream tariff id.
    w.host.add_pricelist("115", linked.itemtype);
    w.host.add_pricelist("117", linked.itemtype);
    w.clear_records();

    ModuleResult r = w.run(import_args(w));
    INFO(r.out);
    REQUIRE(r.exit_code == 0);
    CHECK(xpath(r.out, "count(/doc/*)") == "0");
    CHECK(w.upstream_funcs() == Funcs{"certificate", "certificate.edit", "certificate.edit"});
    auto imports = w.host_calls("processing.import.service");
    REQUIRE(imports.size() == 2);
    CHECK(w.host_funcs() == Funcs{"processing.import.service", "processing.import.service"});
    const std::string module = std::to_string(w.module);
    expect_call_exact(imports[0], "processing.import.service",
                      {{"module", module},
                       {"import_itemtype_intname", "certificate"},
                       {"import_pricelist_intname", "117"},
                       {"import_service_name", "issued.example.com"},
                       {"status", "2"},
                       {"service_status", "5"},
                       {"expiredate", issued_expiry},
                       {"period", "12"},
                       {"upstream_id", issued_id},
                       {"CN", "issued.example.com"},
                       {"altname", "www.issued.example.com"},
                       {"sok", "ok"}});
    CHECK(imports[0].params.size() == 12);
    expect_call_exact(imports[1], "processing.import.service",
                      {{"module", module},
                       {"import_itemtype_intname", "certificate"},
                       {"import_pricelist_intname", "115"},
                       {"import_service_name", "pending.example.com"},
                       {"status", "2"},  // paid: active while the CA works on it
                       {"service_status", "4"},
                       {"period", "12"},
                       {"upstream_id", pending_id},
                       {"CN", "pending.example.com"},
                       {"sok", "ok"}});
    CHECK_FALSE(imports[1].has("altname"));

    // The new service works like any other: its sync fetches the issued certificate.
    std::string imported = *w.host.query_scalar(
        "SELECT item FROM itemparam WHERE intname = 'upstream_id' AND value = ?", {issued_id});
    w.clear_records();
    ModuleResult sync = w.run_item("sync_item", std::stoi(imported));
    INFO(sync.out);
    CHECK(sync.exit_code == 0);
    CHECK(w.host.certificate_row(std::stoi(imported))->crt);

    w.clear_records();
    ModuleResult again = w.run(import_args(w));
    CHECK(again.exit_code == 0);
    CHECK(w.host_calls("processing.import.service").empty());
    CHECK(w.upstream_funcs() == Funcs{"certificate"});
}

TEST_CASE("import: a certificate whose tariff is not imported fails, naming it; the rest go") {
    World w;
    CertificateOrder first = opened_order(w, "first.example.com", "115");
    CertificateOrder second = opened_order(w, "second.example.com", "117");
    forget_locally(w, first);
    forget_locally(w, second);
    w.host.add_pricelist("115", first.itemtype);  // 117 was never imported
    w.clear_records();

    ModuleResult r = w.run(import_args(w));
    INFO(r.out);
    CHECK(r.exit_code == 1);
    CHECK(error_type(r) == pmb::errtype::kMgrctl);
    CHECK(xpath(r.out, "/doc/error/msg").find("second.example.com") != std::string::npos);
    CHECK(w.host_calls("processing.import.service").size() == 2);

    w.host.add_pricelist("117", first.itemtype);
    w.clear_records();
    CHECK(w.run(import_args(w)).exit_code == 0);
    auto imports = w.host_calls("processing.import.service");
    REQUIRE(imports.size() == 1);  // the first one is linked now
    CHECK(imports[0].param("CN") == "second.example.com");
}

TEST_CASE("import: another itemtype is refused") {
    World w;
    ModuleResult r = w.run(
        {"--command", "import", "--module", std::to_string(w.module), "--itemtype", "domain"});
    CHECK(r.exit_code == 1);
    CHECK(error_type(r) == "value");
    CHECK(w.upstream_funcs().empty());
}

TEST_CASE("import --searchstring: only the certificates it names; the rest wait for later") {
    World w;
    CertificateOrder first = opened_order(w, "first.example.com", "115");
    CertificateOrder second = opened_order(w, "second.example.com", "115");
    const std::string second_id = upstream_id_of(w, second);
    forget_locally(w, first);
    forget_locally(w, second);
    w.host.add_pricelist("115", first.itemtype);
    w.clear_records();

    std::vector<std::string> args = import_args(w);
    args.insert(args.end(), {"--searchstring", "SECOND.example.com"});
    ModuleResult r = w.run(args);
    INFO(r.out);
    REQUIRE(r.exit_code == 0);
    // The list has no SANs: the form view of each unlinked one is read to match its names.
    CHECK(w.upstream_funcs() == Funcs{"certificate", "certificate.edit", "certificate.edit"});
    auto imports = w.host_calls("processing.import.service");
    REQUIRE(imports.size() == 1);
    expect_call(imports[0], "processing.import.service",
                {{"import_service_name", "second.example.com"},
                 {"status", "2"},
                 {"upstream_id", second_id},
                 {"sok", "ok"}});

    w.clear_records();
    REQUIRE(w.run(import_args(w)).exit_code == 0);  // no filter: the other one now
    imports = w.host_calls("processing.import.service");
    REQUIRE(imports.size() == 1);
    CHECK(imports[0].param("import_service_name") == "first.example.com");
}
