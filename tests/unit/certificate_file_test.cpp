// What is accepted as an issued certificate: every form certificate.file may deliver (PEM, zip,
// PKCS#7 in PEM, DER or base64, a list of files), read by content; real X.509 only, keys
// taken out, the leaf picked by its key and its chain ordered leaf-first.
#include <doctest/doctest.h>

#include "core/base64.h"
#include "core/error.h"
#include "core/zip.h"
#include "lifecycle/certificate_file.h"
#include "lifecycle/csr.h"
#include "test_util.h"

using pmb::DeliveredFile;
using pmb::IssuedFile;
using pmb::read_issued_file;

namespace {

const std::string kLeaf = pmtest::data_file("certificate/leaf.pem");
const std::string kCa = pmtest::data_file("certificate/ca.pem");
const std::string kKey = pmtest::data_file("certificate/leaf.key");
// leaf.key's certificate under an intermediate, the intermediate, its root (chain/README.md)
const std::string kChainLeaf = pmtest::data_file("certificate/chain/leaf.pem");
const std::string kIntermediate = pmtest::data_file("certificate/chain/intermediate.pem");
const std::string kRoot = pmtest::data_file("certificate/chain/root.pem");
const std::string kOtherKey = pmtest::data_file("certificate/chain/other_key.pem");
const std::string kCsr = pmtest::data_file("certificate/chain/leaf.csr");
const std::string kP7bDer = pmtest::data_file("certificate/chain/chain.p7b");
const std::string kP7bPem = pmtest::data_file("certificate/chain/chain.p7b.pem");
const std::string kEmptyP7b = pmtest::data_file("certificate/chain/empty.p7b");
const std::string kGarbagePem =
    "-----BEGIN CERTIFICATE-----\nbm90IGEgY2VydA==\n-----END CERTIFICATE-----\n";

IssuedFile one(const std::string& content, const std::string& name = "") {
    return IssuedFile{{DeliveredFile{name, content}}};
}

// The DER inside a one-block PEM.
std::string der_of(const std::string& pem) {
    size_t begin = pem.find('\n') + 1;
    return pmb::base64_decode(pem.substr(begin, pem.find("-----END") - begin));
}

std::string refusal_of(const IssuedFile& file, const std::string& leaf_key = "") {
    try {
        read_issued_file(file, leaf_key);
    } catch (const pmb::Error& e) {
        CHECK(e.type() == pmb::errtype::kBadResponse);
        return e.object() + ": " + e.message();
    }
    FAIL("accepted");
    return {};
}

}  // namespace

TEST_CASE("read_issued_file: every form the upstream may deliver, read by its content") {
    const std::string gs_zip = pmb::make_zip({{"example_com.p7b", kP7bDer},
                                              {"example.com.crt", kChainLeaf},
                                              {"Test Intermediate CA.crt", kIntermediate},
                                              {"Test Root CA.crt", kRoot}});
    struct Case {
        const char* name;
        IssuedFile file;
        std::string certificate, chain;
        bool key_stripped;
        int left_out;
    };
    const Case cases[] = {
        {"PEM, leaf first", one(kLeaf + kCa), kLeaf, kCa, false, 0},
        {"PEM, CA first", one(kCa + kLeaf), kLeaf, kCa, false, 0},
        {"PEM with a byte order mark and blank lines", one("\xEF\xBB\xBF\n\n" + kLeaf + kCa + "\n"),
         kLeaf, kCa, false, 0},
        {"PEM with a private key", one(kLeaf + kCa + kKey), kLeaf, kCa, true, 0},
        {"PEM with the CSR beside it", one(kCsr + kChainLeaf + kIntermediate), kChainLeaf,
         kIntermediate, false, 0},
        {"zip of .crt files", one(pmb::make_zip({{"a.crt", kLeaf}, {"a.ca.crt", kCa}})), kLeaf, kCa,
         false, 0},
        {"base64 of a zip", one(pmb::base64_encode(pmb::make_zip({{"a.crt", kLeaf + kCa}}))), kLeaf,
         kCa, false, 0},
        {"zip of a .p7b and its .crt files (GlobalSign)", one(gs_zip), kChainLeaf,
         kIntermediate + kRoot, false, 0},
        {"PKCS#7, DER", one(kP7bDer, "example_com.p7b"), kChainLeaf, kIntermediate + kRoot, false,
         0},
        {"PKCS#7, PEM", one(kP7bPem), kChainLeaf, kIntermediate + kRoot, false, 0},
        {"PKCS#7, base64 of DER with line breaks",
         one(pmb::base64_encode(kP7bDer).insert(64, "\n")), kChainLeaf, kIntermediate + kRoot,
         false, 0},
        {"a DER certificate", one(der_of(kLeaf), "example.com.cer"), kLeaf, "", false, 0},
        {"list rows: .p7b, .crt files and the key",
         IssuedFile{{{"example_com.p7b", pmb::base64_encode(kP7bDer)},
                     {"example.com.crt", kChainLeaf},
                     {"ca.crt", kIntermediate},
                     {"example.com.key", kKey}}},
         kChainLeaf, kIntermediate + kRoot, true, 0},
        {"list rows: the key in DER, base64, under another name",
         IssuedFile{{{"certificate", kLeaf}, {"secret", pmb::base64_encode(der_of(kKey))}}}, kLeaf,
         "", true, 0},
        {"list rows: the CSR and an empty row",
         IssuedFile{{{"csr", kCsr}, {"crt", kLeaf}, {"ca", ""}}}, kLeaf, "", false, 0},
        {"chain out of order", one(kRoot + kChainLeaf + kIntermediate), kChainLeaf,
         kIntermediate + kRoot, false, 0},
        {"a certificate outside the chain is left out", one(kChainLeaf + kCa + kIntermediate),
         kChainLeaf, kIntermediate, false, 1},
    };
    for (const Case& c : cases) {
        CAPTURE(c.name);
        pmb::IssuedCertificate issued = read_issued_file(c.file);
        CHECK(issued.certificate == c.certificate);
        CHECK(issued.chain == c.chain);
        CHECK(issued.key_stripped == c.key_stripped);
        CHECK(issued.left_out == c.left_out);
        CHECK(issued.pem().find("PRIVATE KEY") == std::string::npos);
        CHECK(issued.covers("www.example.com"));
    }
}

TEST_CASE("read_issued_file: the leaf is the certificate carrying this service's key") {
    const IssuedFile file = one(kOtherKey + kIntermediate + kChainLeaf);
    const std::string from_csr = pmb::leaf_public_key(kCsr, "");
    const std::string from_key = pmb::leaf_public_key("", kKey);
    CHECK(from_csr == pmb::parse_csr(kCsr).public_key);
    CHECK(from_key == from_csr);

    CHECK(read_issued_file(file, from_csr).certificate == kChainLeaf);
    CHECK(read_issued_file(file, from_key).certificate == kChainLeaf);
    CHECK(read_issued_file(file, from_csr).left_out == 1);   // the other key's certificate
    CHECK(read_issued_file(file).certificate == kOtherKey);  // no key known: the first leaf
    // neither one carries it
    CHECK(refusal_of(one(kOtherKey + kIntermediate), from_csr)
              .find("none of its 2 certificates carries this service's public key") !=
          std::string::npos);
}

TEST_CASE("leaf_public_key: the CSR's, else the key's, else none") {
    const std::string spki = pmb::parse_csr(kCsr).public_key;
    CHECK(pmb::leaf_public_key(kCsr, "") == spki);
    CHECK(pmb::leaf_public_key("not a CSR", kKey) == spki);
    CHECK(pmb::leaf_public_key("not a CSR", "not a key").empty());
    CHECK(pmb::leaf_public_key("", "").empty());
}

TEST_CASE("read_issued_file: junk is a bad_response naming what is wrong") {
    const std::string pkcs7_junk = "-----BEGIN PKCS7-----\nAAAA\n-----END PKCS7-----\n";
    const std::string crl = "-----BEGIN X509 CRL-----\nAAAA\n-----END X509 CRL-----\n";
    struct Case {
        const char* name;
        IssuedFile file;
        std::string reason;
    };
    const Case cases[] = {
        {"empty", one(""),
         "crt: the upstream's certificate answer is not a usable certificate: "
         "no certificate in it"},
        {"no file at all", IssuedFile{}, "no certificate in it"},
        {"HTML", one("<html><body>Maintenance</body></html>"),
         "no certificate in it (not readable as one: the answer itself)"},
        {"unknown rows",
         IssuedFile{{{"readme.txt", "Thank you!"}, {"x.bin", std::string("\x01\x02", 2)}}},
         "(not readable as one: readme.txt, x.bin)"},
        {"base64 of junk", one("aGVsbG8gd29ybGQ="), "not readable as one: the answer itself"},
        {"garbage in CERTIFICATE armour", one(kGarbagePem), "not an X.509 certificate"},
        {"garbage in PKCS7 armour", one(kLeaf + pkcs7_junk), "not a PKCS#7 structure"},
        {"a PKCS#7 without certificates", one(kEmptyP7b), "no certificate in it"},
        {"only CA certificates", one(kCa), "only CA certificates"},
        {"a truncated PEM block", one(kLeaf.substr(0, kLeaf.size() - 10)), "without its END line"},
        {"a PEM block of another kind", one(kLeaf + crl), "unexpected kind (X509 CRL)"},
        {"only a key", one(kKey), "only a private key, no certificate"},
        {"only a key file", one("anything", "server.KEY"), "only a private key, no certificate"},
        {"a broken zip", one("PK\x03\x04 not really"), "zip: the zip archive cannot be read"},
        {"a broken zip in base64", one(pmb::base64_encode("PK\x03\x04 not really")),
         "zip: the zip archive cannot be read"},
    };
    for (const Case& c : cases) {
        CAPTURE(c.name);
        const std::string refusal = refusal_of(c.file);
        CHECK_MESSAGE(refusal.find(c.reason) != std::string::npos, refusal);
        CHECK(refusal.find("PRIVATE KEY-----") == std::string::npos);  // never quotes a file
    }
}

TEST_CASE("IssuedCertificate::covers: CN, SANs and one-label wildcards, any case") {
    auto issued = read_issued_file(one(kLeaf));
    CHECK(issued.names == std::vector<std::string>{"example.com", "example.com", "www.example.com",
                                                   "*.shop.example.com"});
    CHECK(issued.covers("example.com"));
    CHECK(issued.covers("WWW.Example.com"));
    CHECK(issued.covers("a.shop.example.com"));
    CHECK_FALSE(issued.covers("b.a.shop.example.com"));
    CHECK_FALSE(issued.covers("shop.example.com"));
    CHECK_FALSE(issued.covers("other.com"));
}
