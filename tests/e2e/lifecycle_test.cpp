// The whole life of one certificate, driven as BILLmanager drives the module, with the
// exact upstream requests and the exact mgrctl calls asserted after every step.
#include <doctest/doctest.h>

#include "crypto.h"  // the fake upstream's own OpenSSL helpers, not the module's
#include "e2e_util.h"

using namespace pmtest;

TEST_CASE("full life: open, sync, issue, three reissues, prolong, close") {
    World w;
    CertificateOrder order = w.add_order(multidomain_order());
    const int item = order.item;
    const std::string id_text = std::to_string(item);

    // check_connection
    ModuleResult r = w.run({"--command", "check_connection"},
                           w.check_connection_input(w.upstream.base_url(), kUpstreamPassword));
    REQUIRE(r.exit_code == 0);
    w.clear_records();

    // open: one order, then the immediate sync finds it pending, then the dashboard balance
    r = w.run_item("open", item);
    INFO(r.out);
    REQUIRE(r.exit_code == 0);
    CHECK(w.upstream_funcs() == Funcs{"certificate.order.param", "certificate.edit", "whoami"});
    Request placed = w.upstream_calls("certificate.order.param").at(0);
    ExactParams ordered = {{"authinfo", std::string(kUpstreamUser) + ":" + kUpstreamPassword},
                           {"sok", "ok"},
                           {"skipbasket", "on"},
                           {"clicked_button", "finish"},
                           {"pricelist", "117"},
                           {"period", "12"},
                           {"remoteid", id_text},
                           {"crt_type", "manual"},
                           {"csr", order.csr.csr_pem},
                           {"altname", "www.example.com"},
                           {"approver_method", "auth_email"},
                           {"approver_email_1", "admin@example.com"},
                           {"approver_email_2", "admin@example.com"},
                           {"country", order.params.at("country")},
                           {"field_country", order.params.at("country")},
                           {"out", "xml"},
                           {"lang", "en"}};
    for (const auto& [name, value] : order.params)  // the contacts, as the panel holds them
        if (name.rfind("adm_", 0) == 0 || name.rfind("tech_", 0) == 0 || name.rfind("org_", 0) == 0)
            ordered.emplace_back(name, value);
    expect_request_exact(placed, "certificate.order.param", ordered);
    CHECK(placed.param("adm_fname") == "Иван");  // Cyrillic travels as it is
    CHECK(placed.param("tech_fname") == "Пётр");
    CHECK_FALSE(placed.has("key"));  // the private key never leaves the provider
    // the paid order goes on a connection of its own, never a kept-alive one
    CHECK(w.upstream_calls().at(1).client_port != placed.client_port);
    // the balance read rides on the sync's kept-alive connection: no new handshake
    expect_whoami(w.upstream_calls().at(2));
    CHECK(w.upstream_calls().at(2).client_port == w.upstream_calls().at(1).client_port);
    const std::string upstream_id = w.upstream.state().at(0).id;
    auto calls = w.host_calls();
    std::vector<MgrctlCall> writes;
    for (auto& c : calls)
        if (c.func != "paramlist")
            writes.push_back(c);
    REQUIRE(writes.size() == 7);
    expect_call(writes[0], "service.saveparam", {{"elid", id_text}, {"name", "order_attempt"}});
    expect_call(writes[1], "service.saveparam",
                {{"elid", id_text}, {"name", "upstream_id"}, {"value", upstream_id}});
    expect_call(writes[2], "service.saveparam", {{"elid", id_text}, {"name", "csr_sha256"}});
    expect_call(writes[3], "service.setstatus", {{"elid", id_text}, {"service_status", "3"}});
    expect_call(writes[4], "service.postopen", {{"elid", id_text}, {"sok", "ok"}});
    expect_call(writes[5], "service.setstatus", {{"elid", id_text}, {"service_status", "4"}});
    // the panel's dashboard shows what the order left on the upstream account
    expect_savebalance(writes[6], w.module, w.upstream.balance());
    expect_call_exact(writes[0], "service.saveparam",
                      {{"elid", id_text},
                       {"name", "order_attempt"},
                       {"value", Value::prefix(";sending;")},
                       {"sok", "ok"}});
    expect_call_exact(
        writes[1], "service.saveparam",
        {{"elid", id_text}, {"name", "upstream_id"}, {"value", upstream_id}, {"sok", "ok"}});
    expect_call_exact(
        writes[2], "service.saveparam",
        {{"elid", id_text}, {"name", "csr_sha256"}, {"value", Value::sha256()}, {"sok", "ok"}});
    expect_call_exact(writes[3], "service.setstatus", {{"elid", id_text}, {"service_status", "3"}});
    expect_call_exact(writes[4], "service.postopen", {{"elid", id_text}, {"sok", "ok"}});
    expect_call_exact(writes[5], "service.setstatus", {{"elid", id_text}, {"service_status", "4"}});
    CHECK(w.upstream.balance() == "970.00");  // 1000.00 less the multi-domain plan's 30.00
    CHECK(w.host.module_balance(w.module).balance == "970.00");
    CHECK(w.host.module_balance(w.module).currency == "EUR");
    CHECK(w.host.item_status(item) == 2);
    CHECK(w.upstream.state().at(0).remoteid == id_text);

    // sync while pending: one read, no write-back
    w.clear_records();
    REQUIRE(w.run_item("sync_item", item).exit_code == 0);
    CHECK(w.upstream_funcs() == Funcs{"certificate.edit"});
    CHECK(w.host_funcs().empty());

    // issued upstream: certificate saved, expiry set, status 5, certificate.open once
    const std::string expiry = w.upstream.advance(upstream_id, "issued");
    w.clear_records();
    REQUIRE(w.run_item("sync_item", item).exit_code == 0);
    CHECK(w.upstream_funcs() == Funcs{"certificate.edit", "certificate.file"});
    CHECK(w.host_funcs() == Funcs{"certificate.save", "service.setexpiredate", "service.setstatus",
                                  "certificate.open", "service.saveparam"});
    expect_call(w.host_calls("service.setexpiredate").at(0), "service.setexpiredate",
                {{"elid", id_text}, {"expiredate", expiry}});
    expect_call(w.host_calls("service.setstatus").at(0), "service.setstatus",
                {{"service_status", "5"}});
    auto row = w.host.certificate_row(item);
    REQUIRE(row);
    {
        auto sync_writes = w.host_calls();
        sync_writes.erase(std::remove_if(sync_writes.begin(), sync_writes.end(),
                                         [](const MgrctlCall& c) { return c.func == "paramlist"; }),
                          sync_writes.end());
        REQUIRE(sync_writes.size() == 5);
        expect_call_exact(sync_writes[0], "certificate.save",
                          {{"elid", id_text}, {"crt", row->crt.value_or("")}, {"sok", "ok"}});
        expect_call_exact(sync_writes[1], "service.setexpiredate",
                          {{"elid", id_text}, {"expiredate", expiry}});
        expect_call_exact(sync_writes[2], "service.setstatus",
                          {{"elid", id_text}, {"service_status", "5"}});
        expect_call_exact(sync_writes[3], "certificate.open", {{"elid", id_text}, {"sok", "ok"}});
        expect_call_exact(
            sync_writes[4], "service.saveparam",
            {{"elid", id_text}, {"name", "certificate_opened"}, {"value", "yes"}, {"sok", "ok"}});
    }
    CHECK(row->crt.value_or("").find("-----BEGIN CERTIFICATE-----") != std::string::npos);
    CHECK(row->pkey == order.csr.key_pem);
    CHECK(w.host.item_expiredate(item) == expiry);

    // a repeated sync changes nothing
    w.clear_records();
    REQUIRE(w.run_item("sync_item", item).exit_code == 0);
    CHECK(w.upstream_funcs() == Funcs{"certificate.edit"});
    CHECK(w.host_funcs().empty());

    // reissue 1: nothing changed locally → oldrequest
    w.clear_records();
    REQUIRE(w.run_item("reopen", item).exit_code == 0);
    // what the upstream shows goes into the marker first (the form carries no certificate, so
    // the issued file's fingerprint too): a retry decides from any of it whether it arrived
    CHECK(w.upstream_funcs() ==
          Funcs{"certificate.edit", "certificate.file", "certificate.reissue.step2"});
    // reissue_attempt saved before the reissue and superseded after the write-back; BILLmanager 6
    // finishes the reissue with service.postreopen, before status 3.
    CHECK(w.host_funcs() == Funcs{"service.saveparam", "service.postreopen", "service.setstatus",
                                  "service.saveparam"});
    expect_call(w.host_calls("service.postreopen").at(0), "service.postreopen",
                {{"elid", std::to_string(item)}, {"sok", "ok"}});
    expect_request_exact(w.upstream_calls("certificate.reissue.step2").at(0),
                         "certificate.reissue.step2",
                         {{"authinfo", std::string(kUpstreamUser) + ":" + kUpstreamPassword},
                          {"elid", upstream_id},
                          {"sok", "ok"},
                          {"crt_type", "oldrequest"},
                          {"approver_method", "auth_email"},
                          {"approver_email_1", "admin@example.com"},
                          {"approver_email_2", "admin@example.com"},
                          {"out", "xml"},
                          {"lang", "en"}});
    {
        auto reopen_writes = w.host_calls("service.saveparam");
        REQUIRE(reopen_writes.size() == 2);
        expect_call_exact(reopen_writes[0], "service.saveparam",
                          {{"elid", id_text},
                           {"name", "reissue_attempt"},
                           {"value", Value::prefix(";sending;")},
                           {"sok", "ok"}});
        expect_call_exact(reopen_writes[1], "service.saveparam",
                          {{"elid", id_text}, {"name", "reissue_attempt"}, {"sok", "ok"}});
    }
    expect_call_exact(w.host_calls("service.postreopen").at(0), "service.postreopen",
                      {{"elid", id_text}, {"sok", "ok"}});
    expect_call(w.host_calls("service.setstatus").back(), "service.setstatus",
                {{"service_status", "3"}});

    // reissued certificate arrives: saved again, certificate.open not repeated
    w.upstream.advance(upstream_id, "issued");
    w.clear_records();
    REQUIRE(w.run_item("sync_item", item).exit_code == 0);
    CHECK(w.host_funcs() == Funcs{"certificate.save", "service.setstatus"});

    // reissue 2: new domains → altname (with the "reissue" alias of the command)
    w.host.set_item_param(item, "old_altname", "www.example.com");
    w.host.set_item_param(item, "altname", "www.example.com shop.example.com");
    w.host.set_item_param(item, "approver_email",
                          "admin@example.com,admin@example.com,admin@example.com");
    w.clear_records();
    r = w.run({"--command", "reissue", "--item", id_text});
    INFO(r.out);
    REQUIRE(r.exit_code == 0);
    expect_request(w.upstream_calls("certificate.reissue.step2").at(0), "certificate.reissue.step2",
                   {{"elid", upstream_id},
                    {"crt_type", "altname"},
                    {"altname", "www.example.com shop.example.com"},
                    {"approver_email_3", "admin@example.com"}});
    CHECK(w.host_funcs() == Funcs{"service.saveparam", "service.saveparam", "service.postreopen",
                                  "service.setstatus", "service.saveparam"});
    CHECK(w.host.item_param(item, "old_altname") == "www.example.com shop.example.com");
    w.upstream.advance(upstream_id, "issued");
    REQUIRE(w.run_item("sync_item", item).exit_code == 0);

    // reissue 3: a new CSR → manual, and the stored private key is kept
    CsrPair next = make_csr("example.com", {"example.com", "www.example.com", "shop.example.com"});
    w.host.set_certificate(item, next.csr_pem, next.key_pem, row->crt);
    w.clear_records();
    REQUIRE(w.run_item("reopen", item).exit_code == 0);
    expect_request(w.upstream_calls("certificate.reissue.step2").at(0), "certificate.reissue.step2",
                   {{"elid", upstream_id}, {"crt_type", "manual"}, {"csr", next.csr_pem}});
    CHECK(w.host_funcs() == Funcs{"service.saveparam", "service.saveparam", "service.postreopen",
                                  "service.setstatus", "service.saveparam"});
    CHECK(w.host.certificate_row(item)->pkey == next.key_pem);
    w.upstream.advance(upstream_id, "issued");
    REQUIRE(w.run_item("sync_item", item).exit_code == 0);

    // prolong: once, for the item's period
    const std::string balance_before = w.upstream.balance();
    w.clear_records();
    r = w.run_item("prolong", item);
    INFO(r.out);
    REQUIRE(r.exit_code == 0);
    CHECK(w.upstream_funcs() == Funcs{"certificate.edit", "service.prolong", "whoami"});
    // the paid renewal goes on a connection of its own
    CHECK(w.upstream_calls().at(0).client_port != w.upstream_calls().at(1).client_port);
    expect_request_exact(w.upstream_calls("service.prolong").at(0), "service.prolong",
                         {{"authinfo", std::string(kUpstreamUser) + ":" + kUpstreamPassword},
                          {"elid", upstream_id},
                          {"period", "12"},
                          {"sok", "ok"},
                          {"out", "xml"},
                          {"lang", "en"}});
    const std::string renewed = add_months(expiry, 12);
    CHECK(w.host_funcs() == Funcs{"service.saveparam", "service.setexpiredate",
                                  "service.postprolong", "service.saveparam",
                                  "processing.savebalance"});
    expect_savebalance(w.host_calls("processing.savebalance").at(0), w.module,
                       w.upstream.balance());
    CHECK(w.host.item_expiredate(item) == renewed);
    CHECK_FALSE(w.host.item_param(item, "prolong_attempt"));
    {
        auto prolong_writes = w.host_calls("service.saveparam");
        REQUIRE(prolong_writes.size() == 2);
        expect_call_exact(prolong_writes[0], "service.saveparam",
                          {{"elid", id_text},
                           {"name", "prolong_attempt"},
                           {"value", Value::prefix(";sending;")},
                           {"sok", "ok"}});
        // a manual run (no operation) drops the marker: name without a value
        expect_call_exact(prolong_writes[1], "service.saveparam",
                          {{"elid", id_text}, {"name", "prolong_attempt"}, {"sok", "ok"}});
        expect_call_exact(w.host_calls("service.setexpiredate").at(0), "service.setexpiredate",
                          {{"elid", id_text}, {"expiredate", renewed}});
        expect_call_exact(w.host_calls("service.postprolong").at(0), "service.postprolong",
                          {{"elid", id_text}, {"sok", "ok"}});
    }
    CHECK(w.upstream.balance() != balance_before);

    // close: deleted upstream, closed locally
    w.clear_records();
    REQUIRE(w.run_item("close", item).exit_code == 0);
    CHECK(w.upstream_funcs() == Funcs{"certificate.delete"});
    expect_request(w.upstream_calls().at(0), "certificate.delete",
                   {{"elid", upstream_id}, {"sok", "ok"}});
    CHECK(w.host_funcs() == Funcs{"service.postclose"});
    expect_call_exact(w.host_calls("service.postclose").at(0), "service.postclose",
                      {{"elid", id_text}, {"sok", "ok"}});
    CHECK(w.host.item_status(item) == 4);
    // close again: already gone upstream counts as done
    REQUIRE(w.run_item("close", item).exit_code == 0);
    CHECK(w.upstream.state().size() == 1);  // one order in the whole life
}

TEST_CASE("open without a CSR: the upstream makes the pair; the key is stored before the order") {
    World w;
    CertificateOrder order = w.add_order(multidomain_order());
    const std::string id_text = std::to_string(order.item);
    w.host.db().execute("DELETE FROM certificate WHERE item = ?", {id_text});
    ModuleResult r = w.run_item("open", order.item);
    INFO(r.out);
    REQUIRE(r.exit_code == 0);

    CHECK(w.upstream_funcs() ==
          Funcs{"certificate.order.csr", "certificate.order.param", "certificate.edit", "whoami"});
    expect_request(w.upstream_calls("certificate.order.csr").at(0), "certificate.order.csr",
                   {{"sok", "ok"},
                    {"snext", "ok"},
                    {"crt_type", "generate"},
                    {"pricelist", "117"},
                    {"period", "12"},
                    {"CN", "example.com"},
                    {"altname", "www.example.com"},
                    {"altname_input", "www.example.com"}});
    auto writes = w.host_calls("service.saveparam");
    REQUIRE(writes.size() >= 2);
    // the key is safe at home before any money moves
    expect_call(writes[0], "service.saveparam",
                {{"elid", id_text}, {"name", "private_key"}, {"crypted", "on"}});
    expect_call(writes[1], "service.saveparam", {{"elid", id_text}, {"name", "order_attempt"}});
    REQUIRE(writes[0].env_params == std::vector<std::string>{"value"});
    for (const auto& arg : writes[0].argv)
        CHECK(arg.find("PRIVATE KEY") == std::string::npos);
    const std::string key = writes[0].param("value");
    expect_call_exact(writes[0], "service.saveparam",
                      {{"elid", id_text},
                       {"name", "private_key"},
                       {"value", Value::prefix("-----BEGIN ")},
                       {"crypted", "on"},
                       {"sok", "ok"}});

    Request placed = w.upstream_calls("certificate.order.param").at(0);
    expect_request(placed, "certificate.order.param",
                   {{"crt_type", "generate"},
                    {"CN", "example.com"},
                    {"key", key},
                    {"altname", "www.example.com"},
                    {"remoteid", id_text}});
    CHECK(fake_upstream::key_matches_csr(key, placed.param("csr")));
    CHECK(w.upstream.state().at(0).csr == placed.param("csr"));  // the certificate's key
    CHECK(w.host.item_param(order.item, "private_key") == key);
    CHECK(w.log().find("PRIVATE KEY-----\n") == std::string::npos);
}

TEST_CASE("suspend and resume are local only") {
    World w;
    CertificateOrder order = w.add_order({});
    REQUIRE(w.run_item("suspend", order.item).exit_code == 0);
    REQUIRE(w.run_item("resume", order.item).exit_code == 0);
    CHECK(w.upstream_calls().empty());
    CHECK(w.host_funcs() == Funcs{"service.postsuspend", "service.postresume"});
    const std::string id_text = std::to_string(order.item);
    expect_call_exact(w.host_calls("service.postsuspend").at(0), "service.postsuspend",
                      {{"elid", id_text}, {"sok", "ok"}});
    expect_call_exact(w.host_calls("service.postresume").at(0), "service.postresume",
                      {{"elid", id_text}, {"sok", "ok"}});
}

TEST_CASE("approver list: constructed addresses, IDN in punycode") {
    World w;
    ModuleResult r = w.run({"--command", "approver", "--module", std::to_string(w.module),
                            "--domain", "shop.пример.рф", "--intname", "positivessl"});
    REQUIRE(r.exit_code == 0);
    CHECK(r.out.find("<domain name=\"shop.пример.рф\">") != std::string::npos);
    CHECK(r.out.find("<approver>admin@shop.xn--e1afmkfd.xn--p1ai</approver>") != std::string::npos);
    CHECK(r.out.find("<approver>webmaster@xn--e1afmkfd.xn--p1ai</approver>") != std::string::npos);
    CHECK(r.out.find("xn--p1ai</approver><approver>admin@xn--p1ai") == std::string::npos);
}

TEST_CASE("an item command refuses a module whose URL is http://") {
    World w;
    CertificateOrder order = w.add_order({});
    w.host.db().execute(
        "UPDATE processingparam SET value = REPLACE(value, 'https://', 'http://') "
        "WHERE intname = 'url'",
        {});
    ModuleResult r = w.run_item("open", order.item);
    CHECK(r.exit_code == 1);
    CHECK(r.out.find("type=\"value\"") != std::string::npos);
    CHECK(r.out.find("must use https://") != std::string::npos);
    CHECK(w.upstream_calls().empty());
}

TEST_CASE("kill switch: either DoNothing file makes item commands do nothing, and says which") {
    for (const char* kill_switch : {"etc/billmgr.DoNothing", "etc/pmbillmgrssl.DoNothing"}) {
        CAPTURE(kill_switch);
        World w;
        CertificateOrder order = w.add_order({});
        write_file(w.host.root() + "/" + kill_switch, "");
        REQUIRE(w.run_item("open", order.item).exit_code == 0);
        CHECK(w.upstream_calls().empty());
        CHECK(w.host_calls().empty());
        CHECK(w.log().find(std::string("open: ") + kill_switch + " exists, doing nothing") !=
              std::string::npos);
    }
}
