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

TEST_CASE("upstream response: the issued certificate as PEM") {
    IssuedFile file = parse_issued_file(document("file_pem.xml"));
    CHECK_FALSE(file.zip);
    CHECK(file.content.find("-----BEGIN CERTIFICATE-----") == 0);
    CHECK(file.content.find("MIIDfakechain") != std::string::npos);
    CHECK(file.content.back() == '-');  // surrounding whitespace trimmed
}

TEST_CASE("upstream response: the issued certificate as a base64 zip") {
    IssuedFile declared = parse_issued_file(document("file_zip.xml"));
    CHECK(declared.zip);
    CHECK(declared.content ==
          "UEsDBBQAAAAIAAAAIQAAAAAAAAAAAAAAAAAPAAAAZXhhbXBsZS5jb20ucDdi");  // no line breaks
    IssuedFile bare = parse_issued_file(document("file_bare_zip.xml"));
    CHECK(bare.zip);
    CHECK(bare.content == declared.content);
    CHECK_THROWS_AS(parse_issued_file(document("file_empty.xml")), UpstreamError);
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
