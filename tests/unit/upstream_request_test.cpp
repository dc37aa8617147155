// The wire shape of every upstream call: encoding and the exact parameter lists (README,
// "How it maps BILLmanager to the upstream").
#include <doctest/doctest.h>

#include "core/error.h"
#include "upstream/functions.h"
#include "upstream/request.h"

using namespace pmb;
using namespace pmb::upstream;

namespace {

Contact admin_contact() {
    return {"Ivan", "Petrov", "CTO", "ivan@example.com", "+7 495 1234567", "182"};
}

OrderRequest manual_order() {
    OrderRequest order;
    order.pricelist = "4471";
    order.period_months = 12;
    order.remoteid = "55";
    order.csr = "-----BEGIN CERTIFICATE REQUEST-----\nMIIB\n-----END CERTIFICATE REQUEST-----\n";
    order.altnames = "www.example.com mail.example.com";
    order.country = "182";
    order.admin = admin_contact();
    order.tech = {"Anna", "Sidorova", "Admin", "anna@example.com", "+7 495 7654321", "182"};
    order.org = {{"org_name", "Example LLC"}, {"org_city", "Moscow"}};
    order.approval = {"auth_email",
                      {"admin@example.com", "admin@www.example.com", "admin@mail.example.com"}};
    return order;
}

}  // namespace

TEST_CASE("upstream request: the body carries authinfo, func, out and lang, all encoded") {
    Request request("certificate.delete");
    request.add("elid", "5").add("sok", "ok");
    CHECK(form_body(request, "reseller@example.com", "p&+: %@") ==
          "authinfo=reseller%40example.com:p%26%2B%3A%20%25%40"
          "&func=certificate.delete&out=xml&lang=en&elid=5&sok=ok");
}

TEST_CASE("upstream request: a Cyrillic password is UTF-8 percent-encoded, the colon kept") {
    CHECK(authinfo_field("user", "пароль:1") ==
          "authinfo=user:%D0%BF%D0%B0%D1%80%D0%BE%D0%BB%D1%8C%3A1");
}

TEST_CASE("upstream request: the public body never contains the credentials") {
    Request request("certificate");
    std::string body = public_body(request);
    CHECK(body == "func=certificate&out=xml&lang=en");
    CHECK(body.find("authinfo") == std::string::npos);
}

TEST_CASE("upstream request: CSR newlines and spaces are encoded") {
    CHECK(encode_form({{"csr", "-----BEGIN X-----\nAB+/=\n"}}) ==
          "csr=-----BEGIN%20X-----%0AAB%2B%2F%3D%0A");
}

TEST_CASE("upstream request: add_if skips empty values") {
    Request request("f");
    request.add_if("a", "").add_if("b", "1").add("c", "");
    CHECK(request.params() == Params{{"b", "1"}, {"c", ""}});
    CHECK(request.value("b") == "1");
    CHECK(request.value("missing").empty());
}

TEST_CASE("upstream functions: order with a local CSR") {
    OrderRequest order = manual_order();
    Request request = functions::order(order);
    CHECK(request.func() == "certificate.order.param");
    CHECK(request.params() == Params{{"sok", "ok"},
                                     {"skipbasket", "on"},
                                     {"clicked_button", "finish"},
                                     {"pricelist", "4471"},
                                     {"period", "12"},
                                     {"remoteid", "55"},
                                     {"crt_type", "manual"},
                                     {"csr", order.csr},
                                     {"altname", "www.example.com mail.example.com"},
                                     {"country", "182"},
                                     {"field_country", "182"},
                                     {"adm_fname", "Ivan"},
                                     {"adm_lname", "Petrov"},
                                     {"adm_jtitle", "CTO"},
                                     {"adm_email", "ivan@example.com"},
                                     {"adm_phone", "+7 495 1234567"},
                                     {"adm_phone_country", "182"},
                                     {"tech_fname", "Anna"},
                                     {"tech_lname", "Sidorova"},
                                     {"tech_jtitle", "Admin"},
                                     {"tech_email", "anna@example.com"},
                                     {"tech_phone", "+7 495 7654321"},
                                     {"tech_phone_country", "182"},
                                     {"org_name", "Example LLC"},
                                     {"org_city", "Moscow"},
                                     {"approver_method", "auth_email"},
                                     {"approver_email_1", "admin@example.com"},
                                     {"approver_email_2", "admin@www.example.com"},
                                     {"approver_email_3", "admin@mail.example.com"}});
}

OrderRequest upstream_key_order() {
    OrderRequest order = manual_order();
    order.csr.clear();
    order.subject = {"example.com", "Example LLC", "IT", "Moscow", "Moscow", "ssl@example.com"};
    order.altnames = "www.example.com";
    order.tech = order.admin;
    order.org.clear();
    order.approval = {"auth_dnstxt", {}};
    return order;
}

TEST_CASE("upstream functions: the key step asks the upstream for a pair from the subject") {
    Request request = functions::generate_key(upstream_key_order());
    CHECK(request.func() == "certificate.order.csr");
    CHECK(request.params() == Params{{"sok", "ok"},
                                     {"snext", "ok"},
                                     {"crt_type", "generate"},
                                     {"pricelist", "4471"},
                                     {"period", "12"},
                                     {"field_country", "182"},
                                     {"CN", "example.com"},
                                     {"O", "Example LLC"},
                                     {"OU", "IT"},
                                     {"L", "Moscow"},
                                     {"ST", "Moscow"},
                                     {"emailAddress", "ssl@example.com"},
                                     {"altname", "www.example.com"},
                                     {"altname_input", "www.example.com"}});
}

TEST_CASE("upstream functions: order with an upstream-made pair sends it back, like_admin") {
    OrderRequest order = upstream_key_order();
    order.csr = "-----BEGIN CERTIFICATE REQUEST-----\nCSR\n-----END CERTIFICATE REQUEST-----\n";
    order.key = "-----BEGIN PRIVATE KEY-----\nKEY\n-----END PRIVATE KEY-----\n";
    Request request = functions::order(order);
    CHECK(request.params() == Params{{"sok", "ok"},
                                     {"skipbasket", "on"},
                                     {"clicked_button", "finish"},
                                     {"pricelist", "4471"},
                                     {"period", "12"},
                                     {"remoteid", "55"},
                                     {"crt_type", "generate"},
                                     {"CN", "example.com"},
                                     {"O", "Example LLC"},
                                     {"OU", "IT"},
                                     {"L", "Moscow"},
                                     {"ST", "Moscow"},
                                     {"emailAddress", "ssl@example.com"},
                                     {"csr", order.csr},
                                     {"key", order.key},
                                     {"altname", "www.example.com"},
                                     {"country", "182"},
                                     {"field_country", "182"},
                                     {"adm_fname", "Ivan"},
                                     {"adm_lname", "Petrov"},
                                     {"adm_jtitle", "CTO"},
                                     {"adm_email", "ivan@example.com"},
                                     {"adm_phone", "+7 495 1234567"},
                                     {"adm_phone_country", "182"},
                                     {"like_admin", "on"},
                                     {"approver_method", "auth_dnstxt"}});
}

TEST_CASE("upstream functions: approver_email_N keeps the domain position of each address") {
    OrderRequest order = manual_order();
    order.approval.emails = {"admin@example.com", "", "admin@mail.example.com"};
    Request request = functions::order(order);
    CHECK(request.value("approver_email_1") == "admin@example.com");
    CHECK(request.value("approver_email_2").empty());
    CHECK(request.value("approver_email_3") == "admin@mail.example.com");
}

TEST_CASE("upstream functions: reissue with the old request") {
    ReissueRequest reissue{"oldrequest", "", "", {"auth_email", {"admin@example.com"}}};
    Request request = functions::reissue("101", reissue);
    CHECK(request.func() == "certificate.reissue.step2");
    CHECK(request.params() == Params{{"elid", "101"},
                                     {"sok", "ok"},
                                     {"crt_type", "oldrequest"},
                                     {"approver_method", "auth_email"},
                                     {"approver_email_1", "admin@example.com"}});
}

TEST_CASE("upstream functions: reissue with a new CSR") {
    ReissueRequest reissue{"manual", "CSR-PEM", "", {"auth_email", {"a@example.com", "b@x.org"}}};
    CHECK(functions::reissue("101", reissue).params() ==
          Params{{"elid", "101"},
                 {"sok", "ok"},
                 {"crt_type", "manual"},
                 {"csr", "CSR-PEM"},
                 {"approver_method", "auth_email"},
                 {"approver_email_1", "a@example.com"},
                 {"approver_email_2", "b@x.org"}});
}

TEST_CASE("upstream functions: reissue with new domains") {
    ReissueRequest reissue{"altname", "", "www.example.com new.example.com", {"auth_dnstxt", {}}};
    CHECK(functions::reissue("101", reissue).params() ==
          Params{{"elid", "101"},
                 {"sok", "ok"},
                 {"crt_type", "altname"},
                 {"altname", "www.example.com new.example.com"},
                 {"approver_method", "auth_dnstxt"}});
}

TEST_CASE("upstream functions: a reissue that cannot be sent is refused before the wire") {
    CHECK_THROWS_AS(functions::reissue("1", {"generate", "", "", {}}), pmb::Error);
    CHECK_THROWS_AS(functions::reissue("1", {"manual", "", "", {}}), pmb::Error);
}

TEST_CASE("upstream functions: delete, prolong, list, edit, file, check_access") {
    Request remove = functions::remove("101");
    CHECK(remove.func() == "certificate.delete");
    CHECK(remove.params() == Params{{"elid", "101"}, {"sok", "ok"}});

    Request prolong = functions::prolong("101", 24);
    CHECK(prolong.func() == "service.prolong");
    CHECK(prolong.params() == Params{{"elid", "101"}, {"period", "24"}, {"sok", "ok"}});

    CHECK(functions::list().func() == "certificate");
    CHECK(functions::list().params().empty());
    CHECK(functions::check_access().func() == "certificate");

    Request get = functions::get("101");
    CHECK(get.func() == "certificate.edit");
    CHECK(get.params() == Params{{"elid", "101"}});  // a form view: no sok

    Request download = functions::download("101");
    CHECK(download.func() == "certificate.file");
    CHECK(download.params() == Params{{"elid", "101"}});
    CHECK_FALSE(download.answer_secret());

    Request row = functions::download_row("101", "example_com.p7b");
    CHECK(row.func() == "certificate.file.edit");
    CHECK(row.params() == Params{{"plid", "101"}, {"elid", "example_com.p7b"}});
    CHECK(row.answer_secret());  // the row may be the key
    CHECK_FALSE(row.charging());
}

TEST_CASE("upstream request: the balance reads carry nothing but their function") {
    CHECK(public_body(functions::whoami()) == "func=whoami&out=xml&lang=en");
    CHECK(public_body(functions::subaccounts()) == "func=subaccount&out=xml&lang=en");
    CHECK(public_body(functions::notices()) == "func=notify&out=xml&lang=en");
    for (const Request& read :
         {functions::whoami(), functions::subaccounts(), functions::notices()})
        CHECK_FALSE(read.charging());
}

TEST_CASE("upstream request: the probe's calls; the order form never carries sok") {
    CHECK(public_body(functions::list_page(1, 20)) ==
          "func=certificate&out=xml&lang=en&p_num=1&p_cnt=20");
    Request form = functions::order_form("115", 12);
    CHECK(public_body(form) ==
          "func=certificate.order.param&out=xml&lang=en&pricelist=115&period=12");
    CHECK_FALSE(form.charging());
    for (const char* committing : {"sok", "skipbasket", "clicked_button", "snext"})
        CHECK(form.value(committing).empty());
    form.output("devel");
    CHECK(public_body(form) ==
          "func=certificate.order.param&out=devel&lang=en&pricelist=115&period=12");
    CHECK(form.value("sok").empty());
}

namespace {
bool sends(const Request& request, const std::string& name) {
    for (const auto& param : request.params())
        if (param.first == name)
            return true;
    return false;
}
}  // namespace

TEST_CASE("upstream functions: approvers only by e-mail, the protocol only with the file method") {
    OrderRequest order = manual_order();
    order.approval = {"auth_dnstxt", {"admin@example.com"}, ""};
    Request dns = functions::order(order);
    CHECK(dns.value("approver_method") == "auth_dnstxt");
    CHECK(!sends(dns, "approver_email_1"));
    CHECK(!sends(dns, "auth_file_protocol"));
    order.approval = {"auth_file", {}, "on"};
    Request file = functions::order(order);
    CHECK(file.value("approver_method") == "auth_file");
    CHECK(file.value("auth_file_protocol") == "on");
    CHECK(!sends(file, "approver_email_1"));
    ReissueRequest reissue{"oldrequest", "", "", {"auth_file", {}, "off"}};
    Request again = functions::reissue("5001", reissue);
    CHECK(again.value("auth_file_protocol") == "off");
    order.approval = {"auth_email", {"admin@example.com"}, ""};
    CHECK(!sends(functions::order(order), "auth_file_protocol"));
}
