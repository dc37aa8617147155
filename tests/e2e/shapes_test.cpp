// The answer shapes a real upstream may use instead of the one we expect (the fake's shape
// switches, tests/fake_upstream/README.md): each is read right, and junk is refused.
#include <doctest/doctest.h>

#include "core/base64.h"
#include "core/zip.h"
#include "e2e_util.h"

using namespace pmtest;

namespace {

struct Opened {
    int item = 0;
    std::string id_text, upstream_id;
};

Opened open_order(World& w) {
    CertificateOrder order = w.add_order(multidomain_order());
    ModuleResult r = w.run_item("open", order.item);
    INFO(r.out);
    REQUIRE(r.exit_code == 0);
    REQUIRE(w.upstream.state().size() == 1);
    return {order.item, std::to_string(order.item), w.upstream.state().at(0).id};
}

std::string saved_crt(World& w, int item) {
    auto row = w.host.certificate_row(item);
    return row ? row->crt.value_or("") : std::string();
}

int count_of(const std::string& text, const std::string& needle) {
    int n = 0;
    for (size_t pos = text.find(needle); pos != std::string::npos; pos = text.find(needle, pos + 1))
        ++n;
    return n;
}

// Every step of a certificate's life, as BILLmanager drives it, under the current shape.
void walk_life(World& w) {
    Opened o = open_order(w);
    CHECK(w.host.item_param(o.item, "upstream_id") == o.upstream_id);
    REQUIRE(w.run_item("sync_item", o.item).exit_code == 0);
    CHECK(w.host.item_param(o.item, "service_status") == "4");

    w.upstream.advance(o.upstream_id, "issued");
    ModuleResult r = w.run_item("sync_item", o.item);
    INFO(r.out);
    REQUIRE(r.exit_code == 0);
    CHECK(w.host.item_param(o.item, "service_status") == "5");
    CHECK(w.host.item_status(o.item) == 2);
    std::string crt = saved_crt(w, o.item);
    CHECK(count_of(crt, "-----BEGIN CERTIFICATE-----") == 2);  // certificate and chain
    CHECK(crt.find("PRIVATE KEY") == std::string::npos);

    REQUIRE(w.run_item("reopen", o.item).exit_code == 0);
    CHECK(w.host.item_param(o.item, "service_status") == "3");
    w.upstream.advance(o.upstream_id, "issued");
    REQUIRE(w.run_item("sync_item", o.item).exit_code == 0);
    CHECK(w.host.item_param(o.item, "service_status") == "5");

    std::string before = w.host.item_expiredate(o.item).value_or("");
    r = w.run_item("prolong", o.item);
    INFO(r.out);
    REQUIRE(r.exit_code == 0);
    CHECK(w.host.item_expiredate(o.item) == add_months(before, 12));

    REQUIRE(w.run_item("close", o.item).exit_code == 0);
    CHECK(w.host.item_status(o.item) == 4);
    CHECK(w.upstream.state().size() == 1);
}

}  // namespace

TEST_CASE("the whole certificate life runs under every answer shape") {
    struct Shape {
        std::string name;
        std::vector<std::pair<std::string, std::string>> extra;
    };
    for (const Shape& shape :
         std::vector<Shape>{{"", {}},
                            {"edit_without_service_status", {}},
                            {"edit_without_service_status", {{"lang", "ru"}}},
                            {"edit_without_service_status", {{"lang", "de"}}},
                            {"file_as_zip", {}},
                            {"file_as_zip", {{"layout", "globalsign"}}},
                            {"file_as_list", {}},
                            {"file_as_list", {{"id_field", "name"}, {"p7b", "pem"}}},
                            {"file_as_pem", {}},
                            {"file_as_pem", {{"content_type", "application/x-pem-file"}}},
                            {"file_with_private_key", {}},
                            {"order_billorder_only", {}},
                            {"export_numeric_itemtype", {}},
                            {"export_addons", {}}}) {
        CAPTURE(shape.name);
        CAPTURE(shape.extra.size());
        World w;
        if (!shape.name.empty())
            w.upstream.set_shape(shape.name, true, shape.extra);
        walk_life(w);
    }
}

TEST_CASE("PEM armour around garbage is refused: nothing saved, not issued, not opened") {
    World w;
    Opened o = open_order(w);
    w.upstream.advance(o.upstream_id, "issued");
    w.upstream.set_shape("file_garbage_pem");
    w.clear_records();
    ModuleResult r = w.run_item("sync_item", o.item);
    INFO(r.out);
    CHECK(r.exit_code != 0);
    CHECK(error_type(r) == pmb::errtype::kBadResponse);
    CHECK(r.out.find("not an X.509 certificate") != std::string::npos);
    CHECK(w.host_funcs().empty());
    CHECK(saved_crt(w, o.item).empty());
    CHECK(w.host.item_param(o.item, "service_status") == "4");
}

TEST_CASE("a private key appended to the certificate is left out and only named in the log") {
    World w;
    Opened o = open_order(w);
    w.upstream.advance(o.upstream_id, "issued");
    std::string key = xpath(w.upstream.set_shape("file_with_private_key"), "/doc/key");
    REQUIRE(key.find("PRIVATE KEY") != std::string::npos);
    w.clear_records();
    REQUIRE(w.run_item("sync_item", o.item).exit_code == 0);
    auto save = w.host_calls("certificate.save");
    REQUIRE(save.size() == 1);
    CHECK(save[0].param("crt").find("PRIVATE KEY") == std::string::npos);
    CHECK(saved_crt(w, o.item).find("PRIVATE KEY") == std::string::npos);
    CHECK(w.log().find("sent a private key with certificate " + o.upstream_id) !=
          std::string::npos);
    std::string body = key.substr(key.find('\n') + 1, 40);
    CHECK(w.log().find(body) == std::string::npos);
    CHECK(w.transcript().find(body) == std::string::npos);
}

TEST_CASE("certificate.file answering the zip itself: the PEMs are unpacked and saved") {
    World w;
    Opened o = open_order(w);
    w.upstream.advance(o.upstream_id, "issued");
    w.upstream.set_shape("file_as_zip");
    w.clear_records();
    ModuleResult r = w.run_item("sync_item", o.item);
    INFO(r.out);
    REQUIRE(r.exit_code == 0);
    CHECK(w.upstream_funcs() == Funcs{"certificate.edit", "certificate.file"});
    auto save = w.host_calls("certificate.save");
    REQUIRE(save.size() == 1);
    CHECK_FALSE(save[0].has("crt_type"));
    CHECK(count_of(save[0].param("crt"), "-----BEGIN CERTIFICATE-----") == 2);
    CHECK(w.log().find("(a zip archive)") != std::string::npos);  // not the bytes
}

// The parameter names of an upstream request, in the order sent.
std::vector<std::string> param_names(const Request& request) {
    std::vector<std::string> names;
    for (const auto& param : request.params)
        names.push_back(param.first);
    return names;
}

TEST_CASE("certificate.file as a list of .p7b and .crt rows: each row read, the chain saved") {
    struct Case {
        const char* name;
        std::vector<std::pair<std::string, std::string>> shape;
        std::vector<std::string> rows;
    };
    const Case cases[] = {
        {"ids in <id>, .p7b as base64 DER", {}, {"1", "2", "3"}},
        {"ids in <elid>", {{"id_field", "elid"}}, {"1", "2", "3"}},
        {"named rows, .p7b as PEM",
         {{"id_field", "name"}, {"p7b", "pem"}},
         {"example_com.p7b", "example.com.crt", "example.com.ca.crt"}},
    };
    for (const Case& c : cases) {
        CAPTURE(c.name);
        World w;
        Opened o = open_order(w);
        w.upstream.advance(o.upstream_id, "issued");
        w.upstream.set_shape("file_as_list", true, c.shape);
        w.clear_records();
        ModuleResult r = w.run_item("sync_item", o.item);
        INFO(r.out);
        REQUIRE(r.exit_code == 0);

        const std::vector<Request> calls = w.upstream_calls();
        CHECK(w.upstream_funcs() == Funcs{"certificate.edit", "certificate.file",
                                          "certificate.file.edit", "certificate.file.edit",
                                          "certificate.file.edit"});
        REQUIRE(calls.size() == 5);
        expect_request(calls[1], "certificate.file", {{"elid", o.upstream_id}});
        CHECK(param_names(calls[1]) ==
              std::vector<std::string>{"authinfo", "func", "out", "lang", "elid"});
        for (size_t i = 0; i < c.rows.size(); ++i) {
            CAPTURE(i);
            expect_request(calls[2 + i], "certificate.file.edit",
                           {{"plid", o.upstream_id}, {"elid", c.rows[i]}});
            CHECK(param_names(calls[2 + i]) ==
                  std::vector<std::string>{"authinfo", "func", "out", "lang", "plid", "elid"});
            CHECK(calls[2 + i].client_port == calls[0].client_port);  // the reused connection
        }

        // the leaf (read from the .p7b, met again as a .crt) and then its CA, each once
        const std::string leaf = w.upstream.state().at(0).crt;
        const std::string ca = read_file(w.upstream.ca_file());
        auto save = w.host_calls("certificate.save");
        REQUIRE(save.size() == 1);
        CHECK(save[0].params == std::vector<std::pair<std::string, std::string>>{
                                    {"elid", o.id_text}, {"sok", "ok"}, {"crt", leaf + ca}});
        CHECK(save[0].env_params == std::vector<std::string>{"crt"});
        CHECK(w.host.item_param(o.item, "service_status") == "5");
        CHECK(w.host_calls("certificate.open").size() == 1);
        CHECK(saved_crt(w, o.item) == leaf + ca);
    }
}

TEST_CASE("a list with the key as a row: the key is left out, logged by name only, never sent") {
    World w;
    Opened o = open_order(w);
    w.upstream.advance(o.upstream_id, "issued");
    w.upstream.set_shape("file_as_list");
    std::string key = xpath(w.upstream.set_shape("file_with_private_key"), "/doc/key");
    w.clear_records();
    ModuleResult r = w.run_item("sync_item", o.item);
    INFO(r.out);
    REQUIRE(r.exit_code == 0);
    CHECK(w.upstream_calls("certificate.file.edit").size() == 4);
    CHECK(w.upstream_calls("certificate.file.edit").at(3).param("elid") == "4");
    auto save = w.host_calls("certificate.save");
    REQUIRE(save.size() == 1);
    CHECK(save[0].param("crt").find("PRIVATE KEY") == std::string::npos);
    CHECK(w.log().find("sent a private key with certificate " + o.upstream_id) !=
          std::string::npos);
    CHECK(w.log().find("(not logged: it may hold a private key)") != std::string::npos);
    std::string body = key.substr(key.find('\n') + 1, 40);
    CHECK(w.log().find(body) == std::string::npos);
    CHECK(w.transcript().find(body) == std::string::npos);
    for (const auto& call : w.host_calls())
        for (const std::string& arg : call.argv)
            CHECK(arg.find(body) == std::string::npos);
}

TEST_CASE("status text only, in Russian: pending and issued read from status_msg") {
    World w;
    w.upstream.set_shape("edit_without_service_status", true, {{"lang", "ru"}});
    Opened o = open_order(w);
    w.clear_records();
    REQUIRE(w.run_item("sync_item", o.item).exit_code == 0);
    CHECK(w.upstream_funcs() == Funcs{"certificate.edit"});  // "Ожидает проверки домена"
    CHECK(w.host.item_param(o.item, "service_status") == "4");

    w.upstream.advance(o.upstream_id, "issued");
    w.clear_records();
    REQUIRE(w.run_item("sync_item", o.item).exit_code == 0);
    CHECK(w.upstream_funcs() == Funcs{"certificate.edit", "certificate.file"});
    CHECK(w.host.item_param(o.item, "service_status") == "5");
    CHECK(count_of(saved_crt(w, o.item), "-----BEGIN CERTIFICATE-----") == 2);
}

TEST_CASE("status text in a language the module has no words for: the file tells, once a sync") {
    World w;
    w.upstream.set_shape("edit_without_service_status", true, {{"lang", "de"}});
    Opened o = open_order(w);
    w.clear_records();
    REQUIRE(w.run_item("sync_item", o.item).exit_code == 0);  // "Domainprüfung läuft"
    CHECK(w.upstream_funcs() == Funcs{"certificate.edit", "certificate.file"});
    CHECK(w.host.item_param(o.item, "service_status") == "4");
    CHECK(saved_crt(w, o.item).empty());

    w.upstream.advance(o.upstream_id, "issued");  // "Ausgestellt"
    w.clear_records();
    REQUIRE(w.run_item("sync_item", o.item).exit_code == 0);
    CHECK(w.upstream_funcs() == Funcs{"certificate.edit", "certificate.file"});  // one download
    CHECK(w.host.item_param(o.item, "service_status") == "5");
    CHECK(count_of(saved_crt(w, o.item), "-----BEGIN CERTIFICATE-----") == 2);
    CHECK(w.host_calls("certificate.open").size() == 1);

    w.clear_records();
    REQUIRE(w.run_item("sync_item", o.item).exit_code == 0);
    CHECK(w.upstream_funcs() == Funcs{"certificate.edit"});  // issued here: nothing to probe
    CHECK(w.host_funcs().empty());
}

TEST_CASE("an order answered with only billorder.id: the certificate is found by remoteid") {
    World w;
    w.upstream.set_shape("order_billorder_only");
    CertificateOrder order = w.add_order(multidomain_order());
    ModuleResult r = w.run_item("open", order.item);
    INFO(r.out);
    REQUIRE(r.exit_code == 0);
    CHECK(w.upstream_funcs() ==
          Funcs{"certificate.order.param", "certificate", "certificate.edit", "whoami"});
    const std::string upstream_id = w.upstream.state().at(0).id;
    CHECK(upstream_id != "90001");
    CHECK(w.host.item_param(order.item, "upstream_id") == upstream_id);
    CHECK(w.upstream.count_committing("certificate.order.param") == 1);
}

TEST_CASE("a key the upstream made reaches the client: a zip of certificate, chain and key") {
    World w;
    CertificateOrder order = w.add_order(multidomain_order());
    w.host.db().execute("DELETE FROM certificate WHERE item = ?", {std::to_string(order.item)});
    REQUIRE(w.run_item("open", order.item).exit_code == 0);
    const std::string key = w.host.item_param(order.item, "private_key").value_or("");
    REQUIRE(key.find("PRIVATE KEY") != std::string::npos);
    w.upstream.advance(w.upstream.state().at(0).id, "issued");
    w.clear_records();
    REQUIRE(w.run_item("sync_item", order.item).exit_code == 0);
    auto save = w.host_calls("certificate.save");
    REQUIRE(save.size() == 1);
    expect_call(save[0], "certificate.save", {{"crt_type", "zip"}, {"sok", "ok"}});
    auto files = pmb::read_zip(pmb::base64_decode(save[0].param("crt")));
    REQUIRE(files.size() == 3);
    CHECK(files[0].name == "example.com.crt");
    CHECK(count_of(files[0].data, "-----BEGIN CERTIFICATE-----") == 1);
    CHECK(files[1].name == "example.com.ca-bundle");
    CHECK(count_of(files[1].data, "-----BEGIN CERTIFICATE-----") == 1);
    CHECK(files[2].name == "example.com.key");
    CHECK(files[2].data == key);
}

TEST_CASE("a multi-domain order on a tariff nothing describes is sent, not refused on a guess") {
    World w;
    CertificateOrderOptions o = multidomain_order();
    o.tariff = "my-plan-7";  // made by hand: no settings, no import cache, a meaningless name
    o.altnames = {"shop.example.com"};
    CertificateOrder order = w.add_order(o);
    ModuleResult r = w.run_item("open", order.item);
    INFO(r.out);
    REQUIRE(r.exit_code == 0);
    expect_request(w.upstream_calls("certificate.order.param").at(0), "certificate.order.param",
                   {{"pricelist", "117"}, {"altname", "shop.example.com"}});
    // What the plan allows came from the upstream's export of plan 117 alone, cached under the
    // upstream id the hand-made tariff names: the next order asks nothing.
    expect_request(w.upstream_calls("pricelist.export").at(0), "pricelist.export",
                   {{"pricelist", "117"}});
    w.clear_records();
    CHECK(w.run_item("open", w.add_order(o).item).exit_code == 0);
    CHECK(w.upstream.count("pricelist.export") == 0);
    CHECK(w.upstream.count("certificate.order.param") == 1);
}
