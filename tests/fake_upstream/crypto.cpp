#include "crypto.h"

#include <openssl/bn.h>
#include <openssl/err.h>
#include <openssl/pem.h>
#include <openssl/pkcs7.h>
#include <openssl/x509v3.h>

#include <filesystem>
#include <fstream>
#include <sstream>
#include <stdexcept>
#include <utility>

namespace fake_upstream {
namespace {

struct BioFree {
    void operator()(BIO* bio) const { BIO_free(bio); }
};
using BioPtr = std::unique_ptr<BIO, BioFree>;

constexpr std::time_t kDay = 24 * 60 * 60;

std::string openssl_error() {
    unsigned long code = ERR_get_error();
    ERR_clear_error();
    if (code == 0)
        return "unknown error";
    char text[256];
    ERR_error_string_n(code, text, sizeof text);
    return text;
}

[[noreturn]] void fail(const std::string& what) {
    throw std::runtime_error(what + ": " + openssl_error());
}

BioPtr memory_bio() {
    return BioPtr(BIO_new(BIO_s_mem()));
}

BioPtr bio_reading(const std::string& data) {
    return BioPtr(BIO_new_mem_buf(data.data(), static_cast<int>(data.size())));
}

std::string bio_contents(BIO* bio) {
    char* data = nullptr;
    long size = BIO_get_mem_data(bio, &data);
    return std::string(data, static_cast<size_t>(size));
}

std::string read_text(const std::filesystem::path& path) {
    std::ifstream in(path, std::ios::binary);
    std::stringstream content;
    content << in.rdbuf();
    return content.str();
}

// Write-then-rename so a concurrently starting fake never reads half a key.
void write_text(const std::filesystem::path& path, const std::string& content, bool secret) {
    std::filesystem::path temporary = path.string() + ".tmp";
    {
        std::ofstream out(temporary, std::ios::binary | std::ios::trunc);
        if (!out)
            throw std::runtime_error("cannot write " + temporary.string());
        out << content;
    }
    if (secret) {
        std::filesystem::permissions(
            temporary, std::filesystem::perms::owner_read | std::filesystem::perms::owner_write);
    }
    std::filesystem::rename(temporary, path);
}

X509Ptr cert_from_pem(const std::string& pem) {
    auto bio = bio_reading(pem);
    X509Ptr cert(PEM_read_bio_X509(bio.get(), nullptr, nullptr, nullptr));
    if (!cert)
        fail("cannot parse certificate");
    return cert;
}

PkeyPtr key_from_pem(const std::string& pem) {
    auto bio = bio_reading(pem);
    PkeyPtr key(PEM_read_bio_PrivateKey(bio.get(), nullptr, nullptr, nullptr));
    if (!key)
        fail("cannot parse private key");
    return key;
}

X509ReqPtr csr_from_pem(const std::string& pem) {
    auto bio = bio_reading(pem);
    X509ReqPtr req(PEM_read_bio_X509_REQ(bio.get(), nullptr, nullptr, nullptr));
    ERR_clear_error();
    return req;
}

// Adds a subject entry; values the X.509 limits reject (e.g. a CN over 64 bytes) are left out.
void add_name_entry(X509_NAME* name, const char* field, const std::string& value) {
    const auto* bytes = reinterpret_cast<const unsigned char*>(value.c_str());
    if (!X509_NAME_add_entry_by_txt(name, field, MBSTRING_UTF8, bytes, -1, -1, 0)) {
        ERR_clear_error();
    }
}

using NameEntries = std::vector<std::pair<std::string, std::string>>;
using AltNames = std::vector<std::pair<int, std::string>>;  // (GEN_DNS / GEN_IPADD, value)

struct CertSpec {
    NameEntries subject;
    EVP_PKEY* public_key = nullptr;
    X509* issuer = nullptr;  // nullptr: self-signed
    EVP_PKEY* signing_key = nullptr;
    std::time_t not_before = 0;
    std::time_t not_after = 0;
    bool is_ca = false;
    AltNames alt_names;
};

void add_extension(X509* cert, X509* issuer, int nid, const char* value) {
    X509V3_CTX context;
    X509V3_set_ctx_nodb(&context);
    X509V3_set_ctx(&context, issuer, cert, nullptr, nullptr, 0);
    X509_EXTENSION* extension = X509V3_EXT_nconf_nid(nullptr, &context, nid, value);
    if (!extension)
        fail("cannot build extension");
    X509_add_ext(cert, extension, -1);
    X509_EXTENSION_free(extension);
}

// Built from GENERAL_NAMEs rather than a config string, so odd names cannot break parsing.
void add_alt_names(X509* cert, const AltNames& names) {
    GENERAL_NAMES* general_names = sk_GENERAL_NAME_new_null();
    for (const auto& [type, value] : names) {
        GENERAL_NAME* entry = a2i_GENERAL_NAME(nullptr, nullptr, nullptr, type, value.c_str(), 0);
        if (entry) {
            sk_GENERAL_NAME_push(general_names, entry);
        } else {
            ERR_clear_error();
        }
    }
    if (sk_GENERAL_NAME_num(general_names) > 0) {
        X509_add1_ext_i2d(cert, NID_subject_alt_name, general_names, 0, X509V3_ADD_DEFAULT);
    }
    GENERAL_NAMES_free(general_names);
}

void set_random_serial(X509* cert) {
    BIGNUM* serial = BN_new();
    BN_rand(serial, 63, BN_RAND_TOP_ANY, BN_RAND_BOTTOM_ANY);
    BN_to_ASN1_INTEGER(serial, X509_get_serialNumber(cert));
    BN_free(serial);
}

void add_profile_extensions(X509* cert, X509* issuer, bool is_ca) {
    add_extension(cert, issuer, NID_subject_key_identifier, "hash");
    if (is_ca) {
        add_extension(cert, issuer, NID_basic_constraints, "critical,CA:TRUE");
        add_extension(cert, issuer, NID_key_usage, "critical,keyCertSign,cRLSign");
        return;
    }
    add_extension(cert, issuer, NID_basic_constraints, "CA:FALSE");
    add_extension(cert, issuer, NID_key_usage, "critical,digitalSignature,keyEncipherment");
    add_extension(cert, issuer, NID_ext_key_usage, "serverAuth");
    add_extension(cert, issuer, NID_authority_key_identifier, "keyid:always");
}

X509Ptr build_certificate(const CertSpec& spec) {
    X509Ptr cert(X509_new());
    X509_set_version(cert.get(), 2);
    set_random_serial(cert.get());
    ASN1_TIME_set(X509_getm_notBefore(cert.get()), spec.not_before);
    ASN1_TIME_set(X509_getm_notAfter(cert.get()), spec.not_after);
    X509_set_pubkey(cert.get(), spec.public_key);
    X509_NAME* subject = X509_get_subject_name(cert.get());
    for (const auto& [field, value] : spec.subject)
        add_name_entry(subject, field.c_str(), value);
    X509* issuer = spec.issuer ? spec.issuer : cert.get();
    X509_set_issuer_name(cert.get(), X509_get_subject_name(issuer));
    add_profile_extensions(cert.get(), issuer, spec.is_ca);
    add_alt_names(cert.get(), spec.alt_names);
    if (!X509_sign(cert.get(), spec.signing_key, EVP_sha256()))
        fail("cannot sign certificate");
    return cert;
}

Authority make_authority() {
    Authority ca;
    ca.key = generate_rsa_key();
    CertSpec spec;
    spec.subject = {{"O", "pmbillmgrssl tests"}, {"CN", "pmbillmgrssl fake upstream test CA"}};
    spec.public_key = ca.key.get();
    spec.signing_key = ca.key.get();
    spec.not_before = std::time(nullptr) - kDay;
    spec.not_after = std::time(nullptr) + 3650 * kDay;
    spec.is_ca = true;
    ca.cert = build_certificate(spec);
    ca.cert_pem = cert_to_pem(ca.cert.get());
    return ca;
}

void write_server_certificate(const Authority& ca, const std::filesystem::path& dir) {
    PkeyPtr key = generate_rsa_key();
    CertSpec spec;
    spec.subject = {{"CN", "localhost"}};
    spec.public_key = key.get();
    spec.issuer = ca.cert.get();
    spec.signing_key = ca.key.get();
    spec.not_before = std::time(nullptr) - kDay;
    spec.not_after = std::time(nullptr) + 825 * kDay;
    spec.alt_names = {{GEN_IPADD, "127.0.0.1"}, {GEN_DNS, "localhost"}};
    X509Ptr cert = build_certificate(spec);
    write_text(dir / "server.key", key_to_pem(key.get()), true);
    write_text(dir / "server.pem", cert_to_pem(cert.get()), false);
}

}  // namespace

PkeyPtr generate_rsa_key() {
    PkeyPtr key(EVP_RSA_gen(2048));
    if (!key)
        fail("cannot generate RSA key");
    return key;
}

std::string key_to_pem(EVP_PKEY* key) {
    auto bio = memory_bio();
    if (!PEM_write_bio_PrivateKey(bio.get(), key, nullptr, nullptr, 0, nullptr, nullptr)) {
        fail("cannot encode key");
    }
    return bio_contents(bio.get());
}

std::string cert_to_pem(X509* cert) {
    auto bio = memory_bio();
    if (!PEM_write_bio_X509(bio.get(), cert))
        fail("cannot encode certificate");
    return bio_contents(bio.get());
}

Authority load_or_create_authority(const std::string& dir) {
    std::filesystem::path base(dir);
    std::filesystem::create_directories(base);
    Authority ca;
    if (std::filesystem::exists(base / "ca.pem") && std::filesystem::exists(base / "ca.key")) {
        ca.cert_pem = read_text(base / "ca.pem");
        ca.cert = cert_from_pem(ca.cert_pem);
        ca.key = key_from_pem(read_text(base / "ca.key"));
    } else {
        ca = make_authority();
        write_text(base / "ca.key", key_to_pem(ca.key.get()), true);
        write_text(base / "ca.pem", ca.cert_pem, false);
    }
    if (!std::filesystem::exists(base / "server.pem") ||
        !std::filesystem::exists(base / "server.key")) {
        write_server_certificate(ca, base);
    }
    return ca;
}

Authority create_ephemeral_authority() {
    return make_authority();
}

std::optional<ParsedCsr> parse_csr(const std::string& pem) {
    X509ReqPtr req = csr_from_pem(pem);
    if (!req)
        return std::nullopt;
    EVP_PKEY* key = X509_REQ_get0_pubkey(req.get());
    if (!key || X509_REQ_verify(req.get(), key) != 1) {
        ERR_clear_error();
        return std::nullopt;
    }
    ParsedCsr parsed;
    X509_NAME* subject = X509_REQ_get_subject_name(req.get());
    int index = X509_NAME_get_index_by_NID(subject, NID_commonName, -1);
    if (index < 0)
        return parsed;
    ASN1_STRING* value = X509_NAME_ENTRY_get_data(X509_NAME_get_entry(subject, index));
    unsigned char* utf8 = nullptr;
    int length = ASN1_STRING_to_UTF8(&utf8, value);
    if (length >= 0)
        parsed.common_name.assign(reinterpret_cast<char*>(utf8), length);
    OPENSSL_free(utf8);
    return parsed;
}

GeneratedRequest generate_csr(const std::string& common_name) {
    PkeyPtr key = generate_rsa_key();
    X509ReqPtr req(X509_REQ_new());
    X509_REQ_set_version(req.get(), 0);
    add_name_entry(X509_REQ_get_subject_name(req.get()), "CN", common_name);
    X509_REQ_set_pubkey(req.get(), key.get());
    if (!X509_REQ_sign(req.get(), key.get(), EVP_sha256()))
        fail("cannot sign CSR");
    auto bio = memory_bio();
    PEM_write_bio_X509_REQ(bio.get(), req.get());
    return {bio_contents(bio.get()), key_to_pem(key.get())};
}

bool key_matches_csr(const std::string& key_pem, const std::string& csr_pem) {
    BioPtr bio = bio_reading(key_pem);
    PkeyPtr key(PEM_read_bio_PrivateKey(bio.get(), nullptr, nullptr, nullptr));
    X509ReqPtr req = csr_from_pem(csr_pem);
    bool matches = key && req && EVP_PKEY_eq(key.get(), X509_REQ_get0_pubkey(req.get())) == 1;
    ERR_clear_error();
    return matches;
}

std::string issue_certificate(const Authority& ca, const std::string& csr_pem,
                              const std::string& common_name,
                              const std::vector<std::string>& dns_names, std::time_t not_after) {
    X509ReqPtr req = csr_from_pem(csr_pem);
    if (!req)
        throw std::runtime_error("stored CSR is not parseable");
    CertSpec spec;
    spec.subject = {{"CN", common_name}};
    spec.public_key = X509_REQ_get0_pubkey(req.get());
    spec.issuer = ca.cert.get();
    spec.signing_key = ca.key.get();
    spec.not_before = std::time(nullptr);
    spec.not_after = not_after;
    for (const auto& name : dns_names)
        spec.alt_names.emplace_back(GEN_DNS, name);
    return cert_to_pem(build_certificate(spec).get());
}

std::string pkcs7_of(const std::vector<std::string>& certificate_pems, bool pem) {
    std::unique_ptr<PKCS7, decltype(&PKCS7_free)> p7(PKCS7_new(), PKCS7_free);
    if (!p7 || !PKCS7_set_type(p7.get(), NID_pkcs7_signed) ||
        !PKCS7_content_new(p7.get(), NID_pkcs7_data))
        fail("cannot make a PKCS#7");
    for (const std::string& cert_pem : certificate_pems)
        if (!PKCS7_add_certificate(p7.get(), cert_from_pem(cert_pem).get()))
            fail("cannot add a certificate to a PKCS#7");
    auto bio = memory_bio();
    if (pem ? !PEM_write_bio_PKCS7(bio.get(), p7.get()) : !i2d_PKCS7_bio(bio.get(), p7.get()))
        fail("cannot encode a PKCS#7");
    return bio_contents(bio.get());
}

}  // namespace fake_upstream
