// Reading upstream answers, from recorded-shape fixtures in tests/data/upstream.
#include <doctest/doctest.h>

#include <fstream>
#include <sstream>
#include <stdexcept>

#include "core/text.h"
#include "upstream/response.h"

using namespace pmb;
using namespace pmb::upstream;
using pmb::date_part;
using Failure = UpstreamError::Failure;

namespace {

const std::string kOrigin = "https://api.ispmanager.com";

std::string fixture(const std::string& name) {
    std::ifstream in(std::string(TEST_DATA_DIR) + "/upstream/" + name, std::ios::binary);
    if (!in)
        throw std::runtime_error("missing fixture " + name);
    std::ostringstream text;
    text << in.rdbuf();
    return text.str();
}

pmb::XmlDoc document(const std::string& name) {
    return parse_document(200, fixture(name), kOrigin);
}

UpstreamError error_of(long status, const std::string& body) {
    try {
        parse_document(status, body, kOrigin);
    } catch (const UpstreamError& error) {
        return error;
    }
    throw std::logic_error("no UpstreamError thrown");
}

UpstreamError error_of(const std::string& name) {
    return error_of(200, fixture(name));
}

}  // namespace

TEST_CASE("upstream response: <ok/> confirms a committing call") {
    pmb::XmlDoc doc = document("ok.xml");
    CHECK_NOTHROW(expect_ok(doc, "certificate.delete"));
    pmb::XmlDoc without_ok = document("list_empty.xml");
    CHECK_THROWS_AS(expect_ok(without_ok, "certificate.delete"), UpstreamError);
}

TEST_CASE("upstream response: the new id in all its variants") {
    CHECK(find_new_id(document("order_id.xml")) == "4242");  // not the <id> echoed in tparams
    CHECK(find_new_id(document("order_item_id.xml")) == "4243");
    CHECK(find_new_id(document("order_billorder_and_id.xml")) == "4244");
    CHECK(find_new_id(document("order_billorder_only.xml")).empty());  // a billing order id
    CHECK(find_new_id(document("order_nested_id.xml")) == "4246");
    CHECK(find_new_id(document("order_no_id.xml")).empty());
}

TEST_CASE("upstream response: an order answer gives the new id") {
    CHECK(parse_order(document("order_id.xml")).id == "4242");
}

TEST_CASE("upstream response: the key step's answer gives the CSR and the key") {
    GeneratedKey generated = parse_generated_key(document("order_csr.xml"));
    CHECK(generated.csr.find("-----BEGIN CERTIFICATE REQUEST-----\nMIICfakecsr") == 0);
    CHECK(generated.key.find("-----BEGIN PRIVATE KEY-----\nMIIEvQIBADANfakekey") == 0);
}

TEST_CASE("upstream response: a key step answer without the key is a bad response") {
    try {
        parse_generated_key(document("order_csr_no_key.xml"));
        FAIL("no error");
    } catch (const UpstreamError& error) {
        CHECK(error.failure() == Failure::kBadResponse);
        CHECK(std::string(error.what()).find("private key") != std::string::npos);
    }
}

TEST_CASE("upstream response: an accepted order without a certificate id gives an empty id") {
    CHECK(parse_order(document("order_no_id.xml")).id.empty());
    CHECK(parse_order(document("order_billorder_only.xml")).id.empty());
}

TEST_CASE("upstream response: an order answer with neither an id nor <ok/> is a bad response") {
    try {
        parse_order(document("list_empty.xml"));
        FAIL("no error");
    } catch (const UpstreamError& error) {
        CHECK(error.failure() == Failure::kBadResponse);
        CHECK(error.type() == pmb::errtype::kBadResponse);
        CHECK(error.message().find("certificate id") != std::string::npos);
    }
}

TEST_CASE("upstream response: list rows, unknown columns ignored, rows without id skipped") {
    std::vector<UpstreamCertificate> list = parse_certificate_list(document("list.xml"));
    REQUIRE(list.size() == 2);
    const UpstreamCertificate& first = list[0];
    CHECK(first.id == "101");
    CHECK(first.cn == "example.com");
    CHECK(first.altname == "www.example.com mail.example.com");
    CHECK(first.pricelist == "4471");
    CHECK(first.createdate == "2025-03-01");
    CHECK(first.expiredate == "2026-03-01");
    CHECK(first.remoteid == "55");
    CHECK(first.status_msg == "Active");
    CHECK(first.period == 12);
    CHECK(first.item_status == 2);
    CHECK(first.service_status == 5);
    CHECK(list[1].id == "102");
    CHECK(list[1].expiredate.empty());
    CHECK(list[1].item_status == 5);
    CHECK(list[1].service_status == 4);
}

TEST_CASE("upstream response: list rows without remoteid or status numbers") {
    std::vector<UpstreamCertificate> list =
        parse_certificate_list(document("list_no_remoteid.xml"));
    REQUIRE(list.size() == 3);
    CHECK(list[0].remoteid.empty());
    CHECK(list[0].createdate == "2024-12-31");
    CHECK(list[0].expiredate == "2025-12-31");
    CHECK(list[0].item_status == 2);  // from "Active"
    CHECK(list[0].service_status == 0);
    CHECK(list[1].expiredate.empty());
    CHECK(list[1].item_status == 3);  // from "Suspended"
    CHECK(list[2].item_status == 4);  // a numeric <status>
    CHECK(parse_certificate_list(document("list_empty.xml")).empty());
}

TEST_CASE("upstream response: the certificate.edit form view") {
    UpstreamCertificate form = parse_certificate_form(document("edit.xml"), "ignored");
    CHECK(form.id == "101");
    CHECK(form.cn == "example.com");
    CHECK(form.altname == "www.example.com");
    CHECK(form.period == 24);
    CHECK(form.createdate == "2025-03-01");
    CHECK(form.expiredate == "2027-03-01");
    CHECK(form.status_msg == "Awaiting validation");
    CHECK(form.item_status == 5);
    CHECK(form.service_status == 4);

    UpstreamCertificate minimal = parse_certificate_form(document("edit_minimal.xml"), "7");
    CHECK(minimal.id == "7");
    CHECK(minimal.cn == "bare.example.com");
    CHECK(minimal.item_status == 2);
}

// The one file a document form of certificate.file holds.
DeliveredFile only_file(const FileAnswer& answer) {
    CHECK(answer.rows.empty());
    REQUIRE(answer.file.files.size() == 1);
    return answer.file.files[0];
}

TEST_CASE("upstream response: certificate.file as a document: PEM or base64 in <crt>, or bare") {
    DeliveredFile pem = only_file(parse_file_document(document("file_pem.xml")));
    CHECK(pem.name.empty());
    CHECK(pem.content.find("-----BEGIN CERTIFICATE-----") == 0);
    CHECK(pem.content.find("MIIDfakechain") != std::string::npos);
    CHECK(pem.content.back() == '-');  // surrounding whitespace trimmed

    // what it is, is the reader's to judge: the text is passed on as it came
    DeliveredFile declared = only_file(parse_file_document(document("file_zip.xml")));
    CHECK(declared.content == "UEsDBBQAAAAIAAAAIQAAAAAAAAAAAAAAAAAP\nAAAAZXhhbXBsZS5jb20ucDdi");
    DeliveredFile bare = only_file(parse_file_document(document("file_bare_zip.xml")));
    CHECK(bare.content == "UEsDBBQAAAAIAAAAIQAAAAAAAAAAAAAAAAAPAAAAZXhhbXBsZS5jb20ucDdi");
    CHECK_THROWS_AS(parse_file_document(document("file_empty.xml")), UpstreamError);
}

TEST_CASE("upstream response: the content is the first non-empty of six fields") {
    for (const char* name : {"content", "file", "data", "crt", "text", "value"}) {
        CAPTURE(name);
        std::string doc = std::string("<doc><") + name + ">X</" + name + "></doc>";
        CHECK(only_file(parse_file_document(parse_document(200, doc, kOrigin))).content == "X");
    }
    auto first =
        parse_document(200, "<doc><value>v</value><crt> </crt><content>c</content></doc>", kOrigin);
    CHECK(only_file(parse_file_document(first)).content == "c");
}

TEST_CASE("upstream response: certificate.file as a list: one row per file, by id, elid or name") {
    FileAnswer list = parse_file_document(document("file_list.xml"));
    CHECK(list.file.files.empty());
    REQUIRE(list.rows.size() == 3);  // the row without any id is skipped
    CHECK(list.rows[0].id == "1");
    CHECK(list.rows[0].name == "example_com.p7b");
    CHECK(list.rows[1].id == "crt");
    CHECK(list.rows[1].name == "crt");
    CHECK(list.rows[2].id == "ca.crt");
    CHECK(list.rows[2].name == "ca.crt");
    try {
        parse_file_document(document("file_list_no_ids.xml"));
        FAIL("rows without ids were accepted");
    } catch (const UpstreamError& error) {
        CHECK(error.failure() == Failure::kBadResponse);
        CHECK(error.message().find("file row id (id, elid or name)") != std::string::npos);
    }
}

TEST_CASE("upstream response: certificate.file.edit gives one row's file") {
    DeliveredFile row = parse_file_row(document("file_row.xml"), {"1", "1"});
    CHECK(row.name == "example_com.p7b");
    CHECK(row.content == "MIIJwwYJKoZIhvcNAQcCoIIJtDCCCbACAQExADALBgkqhkiG9w0BBwGgggmWMIID");
    DeliveredFile unnamed =
        parse_file_row(parse_document(200, "<doc><data>D</data></doc>", kOrigin), {"7", "a.crt"});
    CHECK(unnamed.name == "a.crt");
    CHECK(unnamed.content == "D");
    CHECK(parse_file_row(document("ok.xml"), {"7", "7"}).content.empty());
}

TEST_CASE("upstream response: a download is passed on as it came: zip, DER or PEM") {
    const std::string zip = std::string("PK\x03\x04", 4) + std::string("\0\xff rest", 7);
    const std::string der = std::string("\x30\x82\x09\xc3\x06\x09", 6);
    const std::string pem = "\n-----BEGIN PKCS7-----\nMIIB\n-----END PKCS7-----\n";
    for (const std::string& body : {zip, der, pem}) {
        CHECK(is_file_download(body));
        CHECK(only_file(parse_file_answer(200, body, kOrigin)).content == body);
    }
    CHECK_FALSE(is_file_download("0 certificates"));
    CHECK_FALSE(is_file_download(fixture("file_pem.xml")));
    CHECK(only_file(parse_file_answer(200, fixture("file_pem.xml"), kOrigin))
              .content.find("MIIDfakeleaf") != std::string::npos);
    CHECK(parse_file_answer(200, fixture("file_list.xml"), kOrigin).rows.size() == 3);
    CHECK_THROWS_AS(parse_file_answer(200, fixture("html.html"), kOrigin), UpstreamError);
}

TEST_CASE("upstream response: service.prolong answers a nested newexpiredate, or none") {
    CHECK(parse_new_expire_date(document("prolong.xml")) == "2027-03-01");
    CHECK(parse_new_expire_date(document("ok.xml")).empty());  // the caller re-reads the expiry
}

TEST_CASE("upstream response: bad credentials") {
    UpstreamError error = error_of("error_auth.xml");
    CHECK(error.failure() == Failure::kAuth);
    CHECK(error.type() == pmb::errtype::kAuth);
    CHECK(error.message() ==
          "the upstream https://api.ispmanager.com rejected the username or password");
    CHECK_FALSE(error.retryable());
}

TEST_CASE("upstream response: two-factor authentication, by object or by message") {
    for (const char* name : {"error_2fa.xml", "error_2fa_msg.xml"}) {
        CAPTURE(name);
        UpstreamError error = error_of(name);
        CHECK(error.failure() == Failure::kTwoFactor);
        CHECK(error.type() == pmb::errtype::kTwoFactor);
        CHECK(error.message().find("separate API user") != std::string::npos);
    }
}

TEST_CASE("upstream response: a missing object") {
    UpstreamError error = error_of("error_missed.xml");
    CHECK(error.failure() == Failure::kNotFound);
    CHECK(error.object() == "elid");
    CHECK(error.value() == "999");
    CHECK(error.message() == "upstream error (missed): Object '999' not found");
}

TEST_CASE("upstream response: not enough money, by type or by message") {
    for (const char* name : {"error_balance.xml", "error_balance_msg.xml"}) {
        CAPTURE(name);
        UpstreamError error = error_of(name);
        CHECK(error.failure() == Failure::kBalance);
        CHECK(error.type() == pmb::errtype::kBalance);
        CHECK_FALSE(error.retryable());
    }
}

TEST_CASE(
    "upstream response: any other error keeps the upstream object, and its message as value") {
    UpstreamError error = error_of("error_value.xml");
    CHECK(error.failure() == Failure::kApi);
    CHECK(error.type() == pmb::errtype::kUpstream);
    CHECK(error.object() == "CN");
    CHECK(error.value() == "Invalid value of the field 'Domain name'");  // shown to the admin
    CHECK(error.message() == "upstream error (value): Invalid value of the field 'Domain name'");
    CHECK_FALSE(error.retryable());
}

TEST_CASE("upstream response: answers that are not API documents") {
    struct Case {
        const char* fixture;
        const char* what;
    };
    for (Case c :
         {Case{"html.html", "an HTML page instead of XML"}, Case{"empty.txt", "an empty body"},
          Case{"truncated.xml", "a truncated XML document"}, Case{"malformed.xml", "malformed XML"},
          Case{"garbage.txt", "not XML"}, Case{"not_doc.xml", "without <doc>"}}) {
        CAPTURE(c.fixture);
        UpstreamError error = error_of(c.fixture);
        CHECK(error.failure() == Failure::kBadResponse);
        CHECK(error.type() == pmb::errtype::kBadResponse);
        CHECK(error.message().find("https://api.ispmanager.com") != std::string::npos);
        CHECK(error.message().find(c.what) != std::string::npos);
        CHECK(error.retryable());
    }
}

TEST_CASE("upstream response: HTTP error statuses; only 5xx may be retried") {
    UpstreamError server = error_of(502, fixture("html.html"));
    CHECK(server.failure() == Failure::kHttp);
    CHECK(server.http_status() == 502);
    CHECK(server.type() == pmb::errtype::kBadResponse);
    CHECK(server.message() == "the upstream https://api.ispmanager.com answered HTTP 502");
    CHECK(server.retryable());

    UpstreamError missing = error_of(404, "");
    CHECK(missing.http_status() == 404);
    CHECK_FALSE(missing.retryable());

    UpstreamError redirect = error_of(302, "");
    CHECK(redirect.message().find("redirect") != std::string::npos);
    CHECK_FALSE(redirect.retryable());
}

TEST_CASE("upstream response: dates keep the date part only") {
    CHECK(date_part("2025-03-01") == "2025-03-01");
    CHECK(date_part("2025-03-01 10:15:00") == "2025-03-01");
    CHECK(date_part("0000-00-00").empty());
    CHECK(date_part("").empty());
    CHECK(date_part("01.03.2025").empty());
    CHECK(date_part("2025-03-011").empty());
}

TEST_CASE("upstream response: item status from status texts") {
    CHECK(item_status_from_text("Active") == 2);
    CHECK(item_status_from_text("Ordered") == 1);
    CHECK(item_status_from_text("Suspended") == 3);
    CHECK(item_status_from_text("Deleted") == 4);
    CHECK(item_status_from_text("Processing") == 5);
    CHECK(item_status_from_text("something else") == 0);
}

TEST_CASE(
    "upstream response: status texts in Russian, and in a language the module has no words for") {
    CHECK(item_status_from_text("Активна") == 2);
    CHECK(item_status_from_text("Активен") == 2);
    CHECK(item_status_from_text("Заказан") == 1);
    CHECK(item_status_from_text("Приостановлена") == 3);
    CHECK(item_status_from_text("Удалена") == 4);
    CHECK(item_status_from_text("Обрабатывается") == 5);
    CHECK(item_status_from_text("Aktiv") == 0);
    CHECK(service_status_from_text("Ошибка выпуска") == 6);
    CHECK(service_status_from_text("ВЫПУЩЕН") == 5);
    CHECK(service_status_from_text("Ожидает проверки домена") == 4);
    CHECK(service_status_from_text("Ausgestellt") == 0);
    CHECK(fold_case("ЁЖИК Ab") == "ёжик ab");
}

namespace {

UpstreamCertificate row_of(const std::string& cells) {
    XmlDoc doc = parse_document(200, "<doc><elem><id>7</id>" + cells + "</elem></doc>", kOrigin);
    std::vector<UpstreamCertificate> rows = parse_certificate_list(doc);
    REQUIRE(rows.size() == 1);
    return rows[0];
}

UpstreamCertificate form_of(const std::string& cells) {
    return parse_certificate_form(
        parse_document(200, "<doc><elid>7</elid>" + cells + "</doc>", kOrigin), "7");
}

}  // namespace

TEST_CASE("upstream response: a status cell's orig attribute wins over its text") {
    UpstreamCertificate row = row_of(
        "<item_status orig=\"2\">Активна</item_status><service_status "
        "orig=\"6\">Выпущен</service_status>");
    CHECK(row.item_status == 2);
    CHECK(row.service_status == 6);  // the number, not what the text would say
    CHECK(row.item_status_text == "Активна");
    CHECK(row_of("<item_status orig=\"4\">Active</item_status>").item_status == 4);
    CHECK(form_of("<item_status orig=\"3\">Активна</item_status>").item_status == 3);
    CHECK(form_of("<status orig=\"5\">Whatever</status>").item_status == 5);
}

TEST_CASE("upstream response: numeric text, then real_status, then the text") {
    CHECK(row_of("<item_status>5</item_status><real_status>2</real_status>").item_status == 5);
    CHECK(row_of("<status>3</status>").item_status == 3);
    CHECK(row_of("<item_status>Активна</item_status><real_status>4</real_status>").item_status ==
          4);
    CHECK(row_of("<status color=\"green\">Зачислен</status><real_status>1</real_status>")
              .item_status == 1);
    CHECK(form_of("<real_status>2</real_status>").item_status == 2);
    CHECK(row_of("<item_status>Активна</item_status>").item_status == 2);
    CHECK(row_of("<item_status>Suspended</item_status>").item_status == 3);
    CHECK(row_of("<status>Удалена</status>").item_status == 4);
    CHECK(form_of("<item_status>Aktiv</item_status>").item_status == 0);
    CHECK(row_of("<service_status>5</service_status>").service_status == 5);
    CHECK(row_of("<status_msg>Выпущен</status_msg>").service_status == 5);
    CHECK(form_of("<service_status>Ожидает проверки</service_status>").service_status == 4);
    CHECK(row_of("<status_msg>Ausgestellt</status_msg>").service_status == 0);
}

TEST_CASE("upstream response: whoami's balance as attributes (BILLmanager 6)") {
    Balance balance = parse_whoami_balance(document("whoami.xml"));
    CHECK(balance.amount == "12221243.00");
    CHECK(balance.currency == "RUB");
    CHECK(balance.source == "whoami");
    CHECK(balance.complete());
}

TEST_CASE("upstream response: whoami's balance as child elements, in a local format") {
    Balance balance = parse_whoami_balance(document("whoami_elements.xml"));
    CHECK(balance.amount == "1234.50");
    CHECK(balance.currency == "EUR");
}

TEST_CASE("upstream response: whoami without a balance still names the currency") {
    Balance balance = parse_whoami_balance(document("whoami_no_balance.xml"));
    CHECK(balance.amount.empty());
    CHECK(balance.currency == "EUR");
    CHECK_FALSE(balance.complete());
    CHECK_FALSE(parse_whoami_balance(document("ok.xml")).complete());
}

TEST_CASE("upstream response: the personal account in the wanted currency, else the first") {
    pmb::XmlDoc doc = document("subaccount.xml");
    Balance eur = parse_subaccount_balance(doc, "EUR");
    CHECK(eur.amount == "-12.5");
    CHECK(eur.currency == "EUR");
    CHECK(eur.source == "subaccount");
    Balance first = parse_subaccount_balance(doc, "");
    CHECK(first.amount == "0.00");
    CHECK(first.currency == "RUB");  // from iso: "Russian ruble" is no code
    CHECK(parse_subaccount_balance(doc, "USD").currency == "RUB");  // USD row has no balance
    CHECK(parse_subaccount_balance(document("list_empty.xml"), "EUR").amount.empty());
}

TEST_CASE("upstream response: the balance notice of notify") {
    Balance balance = parse_notify_balance(document("notify.xml"));
    CHECK(balance.amount == "12221243.00");
    CHECK(balance.currency == "RUB");
    CHECK(balance.source == "notify");
    CHECK(parse_notify_balance(document("whoami.xml")).amount.empty());
}

TEST_CASE("upstream response: functions a toolbar offers, in XML (devel) and JSON (xjson)") {
    CHECK(offered_functions(fixture("list_devel.xml"), "certificate") ==
          std::vector<std::string>{"certificate.order", "certificate.edit", "certificate.file",
                                   "certificate.dcv.email", "certificate.dcv.dns"});
    CHECK(offered_functions(fixture("list_xjson.json"), "certificate") ==
          std::vector<std::string>{"certificate.edit", "certificate.dcv.email"});
    CHECK(offered_functions(fixture("list.xml"), "certificate").empty());
    CHECK(offered_functions(fixture("html.html"), "certificate").empty());
    CHECK(offered_functions(fixture("garbage.txt"), "certificate").empty());
    CHECK(offered_functions("", "certificate").empty());
}

TEST_CASE("upstream response: the approver methods an order form offers, its DCV-like fields") {
    pmb::XmlDoc form = document("order_form.xml");
    CHECK(slist_keys(form, "approver_method") ==
          std::vector<std::string>{"auth_email", "auth_dnstxt"});
    CHECK(slist_keys(form, "crt_type") == std::vector<std::string>{"generate", "manual"});
    CHECK(slist_keys(form, "nothing").empty());
    CHECK(validation_field_names(form) ==
          std::vector<std::string>{"approver_method", "auth_file_protocol", "dcv_dns_value"});
    CHECK(validation_field_names(document("edit.xml")) ==
          std::vector<std::string>{"approver_email_1"});
}
