// The BILLmanager side against a real host: BillmgrHost reading a real MariaDB (credentials
// from mgrctl paramlist, crypted params decrypted with etc/billmgr.pem), and every
// write-back function producing the exact mgrctl call, secrets only in the environment.
#include <doctest/doctest.h>

#include <cstdlib>
#include <fstream>

#include "billmgr/billmgr_host.h"
#include "billmgr/crypt.h"
#include "billmgr/writeback.h"
#include "core/error.h"
#include "e2e_util.h"
#include "fixture_keys.h"

using namespace pmtest;

namespace {

struct HostWorld {
    HostSandbox sandbox;
    pmb::BillmgrHost host{pmb::MgrRoot(sandbox.root())};
    pmb::Writeback writeback{host};
};

std::vector<std::string> args_after_func(const MgrctlCall& call) {
    // argv: -m billmgr -o xml FUNC args…
    return std::vector<std::string>(call.argv.begin() + 5, call.argv.end());
}

}  // namespace

TEST_CASE("reads an item with its params, tariff params and certificate row") {
    HostWorld w;
    int module = w.sandbox.add_module("upstream", {{"url", "https://x"}}, {});
    CertificateOrderOptions options;
    options.module = module;
    CertificateOrder order = w.sandbox.add_certificate_order(options);
    w.sandbox.set_item_param(order.item, "CN", "пример.рф");
    w.sandbox.set_item_param(order.item, "org_name", "ООО «Ромашка» & Co <x>");

    pmb::Item item = w.host.item(order.item);
    CHECK(item.id == order.item);
    CHECK(item.itemtype == "certificate");
    CHECK(item.pricelist == order.pricelist);
    CHECK(item.pricelist_intname == "positivessl");
    CHECK(item.period == 12);
    CHECK(item.status == 1);
    CHECK(item.processingmodule == module);
    CHECK(item.param("CN") == "пример.рф");
    CHECK(item.param("org_name") == "ООО «Ромашка» & Co <x>");
    CHECK(item.param("adm_fname") == "Иван");
    CHECK(item.pricelist_params.at("upstream_pricelist") == order.upstream_pricelist);
    CHECK(item.certificate.present);
    CHECK(item.certificate.csr == order.csr.csr_pem);
    CHECK(item.certificate.pkey == order.csr.key_pem);
    CHECK(item.certificate.crt.empty());
}

TEST_CASE("a missing item, module or running operation is a missed error naming it") {
    HostWorld w;
    CHECK_THROWS_WITH_AS(w.host.item(424242), "service 424242 does not exist in BILLmanager",
                         pmb::Error);
    CHECK_THROWS_WITH_AS(w.host.module(4242),
                         "processing module 4242 does not exist in BILLmanager", pmb::Error);
    CHECK_THROWS_WITH_AS(w.host.trycount(4242), "running operation 4242 does not exist",
                         pmb::Error);
    int module = w.sandbox.add_module("m", {});
    int item = w.sandbox.add_item(0, 12, 1, module);
    pmb::Item bare = w.host.item(item);  // no tariff, no params, no certificate row
    CHECK_FALSE(bare.certificate.present);
    CHECK(bare.params.empty());
}

TEST_CASE("module params: plain and crypted (decrypted with etc/billmgr.pem)") {
    HostWorld w;
    int module = w.sandbox.add_module("upstream", {{"url", "https://api.example"}},
                                      {{"password", "Пароль & secret:1"}});
    pmb::ModuleSettings settings = w.host.module(module);
    CHECK(settings.module == "pmbillmgrssl");
    CHECK(settings.name == "upstream");
    CHECK(settings.param("url") == "https://api.example");
    CHECK(settings.param("password") == "Пароль & secret:1");
}

TEST_CASE("crypted params: an empty value is an empty string, with or without the key") {
    HostWorld w;
    CHECK(pmb::ParamDecryptor(w.sandbox.root() + "/etc/billmgr.pem").decrypt("password", "") == "");
    CHECK(pmb::ParamDecryptor("/nonexistent.pem").decrypt("password", "") == "");
    int module = w.sandbox.add_module("upstream", {{"url", "https://api.example"}},
                                      {{"password", ""}, {"token", "t-1"}});
    pmb::ModuleSettings settings = w.host.module(module);
    CHECK(settings.params.count("password") == 1);
    CHECK(settings.param("password").empty());
    CHECK(settings.param("token") == "t-1");
}

TEST_CASE("crypted params: a wrong key or corrupt data is a clear error without the data") {
    HostWorld w;
    const std::string secret = "Do-Not-Print-Me";
    const std::string cipher = w.sandbox.crypt(secret);
    pmb::ParamDecryptor right(w.sandbox.root() + "/etc/billmgr.pem");
    CHECK(right.decrypt("password", cipher) == secret);

    // Sandboxes of one process share their crypt key, so the wrong key is a fixture key.
    const std::string wrong_key = w.sandbox.root() + "/etc/other.pem";
    std::ofstream(wrong_key) << pmtest::fixture_key_pem(0);
    pmb::ParamDecryptor wrong(wrong_key);
    auto message_of = [](const std::function<void()>& f) {
        try {
            f();
        } catch (const pmb::Error& e) {
            CHECK(e.type() == pmb::errtype::kCrypt);
            return e.message() + e.to_xml();
        }
        return std::string("no error");
    };
    std::string m = message_of([&] { wrong.decrypt("password", cipher); });
    CHECK(m.find("cannot decrypt the crypted parameter password") != std::string::npos);
    m += message_of([&] { right.decrypt("password", "%%%not base64%%%"); });
    m += message_of([&] { right.decrypt("password", cipher.substr(4)); });
    m += message_of([&] { pmb::ParamDecryptor("/nonexistent.pem").decrypt("password", cipher); });
    CHECK(m.find(secret) == std::string::npos);
    CHECK(m.find(cipher.substr(0, 20)) == std::string::npos);
}

TEST_CASE("every write-back function makes the exact mgrctl call") {
    HostWorld w;
    int module = w.sandbox.add_module("m", {});
    CertificateOrderOptions options;
    options.module = module;
    const int item = w.sandbox.add_certificate_order(options).item;
    const int operation = w.sandbox.add_running_operation(1);
    const std::string elid = "elid=" + std::to_string(item);
    const std::string op = std::to_string(operation);
    using Args = std::vector<std::string>;
    struct Case {
        const char* func;
        std::function<void(pmb::Writeback&)> call;
        Args args;
    };
    const Case cases[] = {
        {"service.postopen", [&](auto& b) { b.post_open(item); }, {elid, "sok=ok"}},
        {"service.postclose", [&](auto& b) { b.post_close(item); }, {elid, "sok=ok"}},
        {"service.postsuspend", [&](auto& b) { b.post_suspend(item); }, {elid, "sok=ok"}},
        {"service.postresume", [&](auto& b) { b.post_resume(item); }, {elid, "sok=ok"}},
        {"service.postprolong", [&](auto& b) { b.post_prolong(item); }, {elid, "sok=ok"}},
        {"service.setstatus", [&](auto& b) { b.set_status(item, 5); }, {elid, "service_status=5"}},
        {"service.setexpiredate",
         [&](auto& b) { b.set_expiredate(item, "2027-11-27"); },
         {elid, "expiredate=2027-11-27"}},
        {"service.saveparam",
         [&](auto& b) { b.save_param(item, "upstream_id", "5001"); },
         {elid, "name=upstream_id", "value=5001", "sok=ok"}},
        {"service.saveparam",
         [&](auto& b) { b.save_secret_param(item, "private_key", "KEY"); },
         {elid, "name=private_key", "crypted=on", "sok=ok", "-e", "value=$PMBILLMGRSSL_SECRET_1"}},
        {"service.saveparam",
         [&](auto& b) { b.drop_param(item, "order_attempt"); },
         {elid, "name=order_attempt", "sok=ok"}},
        {"certificate.save",
         [&](auto& b) { b.save_certificate(item, "PEM text", false); },
         {elid, "sok=ok", "-e", "crt=$PMBILLMGRSSL_SECRET_1"}},
        {"certificate.save",
         [&](auto& b) { b.save_certificate(item, "UEsDBA==", true); },
         {elid, "crt_type=zip", "sok=ok", "-e", "crt=$PMBILLMGRSSL_SECRET_1"}},
        {"certificate.open", [&](auto& b) { b.certificate_open(item); }, {elid, "sok=ok"}},
        {"certificate.failed", [&](auto& b) { b.certificate_failed(item); }, {elid, "sok=ok"}},
        {"processing.import.service",
         [&](auto& b) {
             CHECK_FALSE(b.import_service({{"module", std::to_string(module)},
                                           {"import_itemtype_intname", "certificate"},
                                           {"import_pricelist_intname", "positivessl"}})
                             .empty());
         },
         {"module=" + std::to_string(module), "import_itemtype_intname=certificate",
          "import_pricelist_intname=positivessl", "sok=ok"}},
        {"runningoperation.edit",
         [&](auto& b) { b.save_operation_error(operation, "<doc/>"); },
         {"elid=" + op, "errorxml=<doc/>", "sok=ok"}},
        {"runningoperation.setmanual",
         [&](auto& b) { b.set_operation_manual(operation); },
         {"elid=" + op}},
        {"task.gettype", [&](auto& b) { CHECK(b.task_type("open") == "7"); }, {"operation=open"}},
        {"task.edit",
         [&](auto& b) { b.create_task(item, operation, "12"); },
         {"item=" + std::to_string(item), "runningoperation=" + op, "type=12", "sok=ok"}},
    };
    for (const Case& c : cases) {
        CAPTURE(c.func);
        w.sandbox.clear_calls();
        c.call(w.writeback);
        auto calls = w.sandbox.calls();
        REQUIRE(calls.size() == 1);
        CHECK(calls[0].func == c.func);
        CHECK(calls[0].argv[0] == "-m");
        CHECK(calls[0].argv[1] == "billmgr");
        CHECK(calls[0].argv[2] == "-o");
        CHECK(calls[0].argv[3] == "xml");
        CHECK(args_after_func(calls[0]) == c.args);
    }
    // the secret value reached mgrctl through the environment only
    w.sandbox.clear_calls();
    w.writeback.save_secret_param(item, "private_key", "-----BEGIN PRIVATE KEY-----\nAAAA");
    MgrctlCall call = w.sandbox.calls().at(0);
    CHECK(call.param("value") == "-----BEGIN PRIVATE KEY-----\nAAAA");
    CHECK(call.env_params == std::vector<std::string>{"value"});
    for (const auto& arg : call.argv)
        CHECK(arg.find("PRIVATE") == std::string::npos);
}

TEST_CASE("an error answer of mgrctl is an mgrctl error naming the function") {
    HostWorld w;
    w.sandbox.fail("service.postopen");
    try {
        w.writeback.post_open(1);
        FAIL("no error");
    } catch (const pmb::Error& e) {
        CHECK(e.type() == pmb::errtype::kMgrctl);
        CHECK(e.message().find("service.postopen") != std::string::npos);
    }
}
