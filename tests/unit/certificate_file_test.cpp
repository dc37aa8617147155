// What is accepted as an issued certificate: real X.509 only, keys taken out.
#include <doctest/doctest.h>

#include "core/error.h"
#include "lifecycle/certificate_file.h"
#include "test_util.h"

using pmb::parse_issued_certificate;

namespace {

const std::string kLeaf = pmtest::data_file("certificate/leaf.pem");
const std::string kCa = pmtest::data_file("certificate/ca.pem");
const std::string kKey = pmtest::data_file("certificate/leaf.key");

std::string refusal_of(const std::string& text) {
    try {
        parse_issued_certificate(text);
    } catch (const pmb::Error& e) {
        CHECK(e.type() == pmb::errtype::kBadResponse);
        CHECK(e.object() == "crt");
        return e.message();
    }
    FAIL("accepted: " << text);
    return {};
}

}  // namespace

TEST_CASE("parse_issued_certificate: server certificate and chain, in any order") {
    auto issued = parse_issued_certificate(kCa + kLeaf);
    CHECK(issued.certificate == kLeaf);
    CHECK(issued.chain == kCa);
    CHECK(issued.pem() == kLeaf + kCa);
    CHECK_FALSE(issued.key_stripped);
    CHECK(issued.names == std::vector<std::string>{"example.com", "example.com", "www.example.com",
                                                   "*.shop.example.com"});
}

TEST_CASE("parse_issued_certificate: a private key is taken out, never kept") {
    auto issued = parse_issued_certificate(kLeaf + kCa + kKey);
    CHECK(issued.key_stripped);
    CHECK(issued.pem() == kLeaf + kCa);
    CHECK(issued.pem().find("PRIVATE KEY") == std::string::npos);
}

TEST_CASE("parse_issued_certificate: junk is a bad_response naming what is wrong") {
    CHECK(refusal_of("").find("no PEM certificate") != std::string::npos);
    CHECK(refusal_of("<html><body>Maintenance</body></html>").find("no PEM certificate") !=
          std::string::npos);
    std::string garbage =
        "-----BEGIN CERTIFICATE-----\nbm90IGEgY2VydA==\n-----END CERTIFICATE-----\n";
    CHECK(refusal_of(garbage).find("not an X.509 certificate") != std::string::npos);
    CHECK(refusal_of(kCa).find("only CA certificates") != std::string::npos);
    CHECK(refusal_of(kLeaf.substr(0, kLeaf.size() - 10)).find("without its END line") !=
          std::string::npos);
    std::string pkcs7 = "-----BEGIN PKCS7-----\nAAAA\n-----END PKCS7-----\n";
    CHECK(refusal_of(kLeaf + pkcs7).find("unexpected kind (PKCS7)") != std::string::npos);
    // a key alone is no certificate, and the message never quotes it
    CHECK(refusal_of(kKey).find("PRIVATE KEY-----") == std::string::npos);
}

TEST_CASE("IssuedCertificate::covers: CN, SANs and one-label wildcards, any case") {
    auto issued = parse_issued_certificate(kLeaf);
    CHECK(issued.covers("example.com"));
    CHECK(issued.covers("WWW.Example.com"));
    CHECK(issued.covers("a.shop.example.com"));
    CHECK_FALSE(issued.covers("b.a.shop.example.com"));
    CHECK_FALSE(issued.covers("shop.example.com"));
    CHECK_FALSE(issued.covers("other.com"));
}
