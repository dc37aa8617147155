#include "lifecycle/csr.h"

#include <openssl/evp.h>
#include <openssl/pem.h>
#include <openssl/x509.h>
#include <openssl/x509v3.h>

#include <memory>

#include "core/digest.h"
#include "core/error.h"

namespace pmb {
namespace {

struct ReqFree {
    void operator()(X509_REQ* r) const { X509_REQ_free(r); }
};
struct BioFree {
    void operator()(BIO* b) const { BIO_free(b); }
};
struct KeyFree {
    void operator()(EVP_PKEY* k) const { EVP_PKEY_free(k); }
};

[[noreturn]] void invalid(const std::string& why) {
    throw Error(errtype::kValue, "csr", "", "the certificate request (CSR) is invalid: " + why);
}

std::string subject_field(X509_NAME* name, int nid) {
    int pos = X509_NAME_get_index_by_NID(name, nid, -1);
    if (pos < 0)
        return {};
    ASN1_STRING* data = X509_NAME_ENTRY_get_data(X509_NAME_get_entry(name, pos));
    unsigned char* utf8 = nullptr;
    int len = ASN1_STRING_to_UTF8(&utf8, data);
    if (len < 0)
        return {};
    std::string out(reinterpret_cast<char*>(utf8), static_cast<size_t>(len));
    OPENSSL_free(utf8);
    return out;
}

std::vector<std::string> dns_sans(X509_REQ* req) {
    std::vector<std::string> out;
    STACK_OF(X509_EXTENSION)* exts = X509_REQ_get_extensions(req);
    if (!exts)
        return out;
    auto* names =
        static_cast<GENERAL_NAMES*>(X509V3_get_d2i(exts, NID_subject_alt_name, nullptr, nullptr));
    for (int i = 0; names && i < sk_GENERAL_NAME_num(names); ++i) {
        const GENERAL_NAME* gn = sk_GENERAL_NAME_value(names, i);
        if (gn->type != GEN_DNS)
            continue;
        const ASN1_IA5STRING* dns = gn->d.dNSName;
        out.emplace_back(reinterpret_cast<const char*>(ASN1_STRING_get0_data(dns)),
                         static_cast<size_t>(ASN1_STRING_length(dns)));
    }
    GENERAL_NAMES_free(names);
    sk_X509_EXTENSION_pop_free(exts, X509_EXTENSION_free);
    return out;
}

std::string der_sha256(X509_REQ* req) {
    unsigned char* der = nullptr;
    int len = i2d_X509_REQ(req, &der);
    std::string hash =
        sha256_hex(std::string_view(reinterpret_cast<char*>(der), static_cast<size_t>(len)));
    OPENSSL_free(der);
    return hash;
}

std::string spki_der(EVP_PKEY* key) {
    unsigned char* der = nullptr;
    int len = i2d_PUBKEY(key, &der);
    if (len <= 0)
        return {};
    std::string out(reinterpret_cast<char*>(der), static_cast<size_t>(len));
    OPENSSL_free(der);
    return out;
}

}  // namespace

CsrInfo parse_csr(const std::string& pem) {
    if (pem.find("-----BEGIN") == std::string::npos)
        invalid("no PEM block");
    std::unique_ptr<BIO, BioFree> bio(BIO_new_mem_buf(pem.data(), static_cast<int>(pem.size())));
    std::unique_ptr<X509_REQ, ReqFree> req(
        PEM_read_bio_X509_REQ(bio.get(), nullptr, nullptr, nullptr));
    if (!req)
        invalid("it cannot be parsed");
    std::unique_ptr<EVP_PKEY, KeyFree> key(X509_REQ_get_pubkey(req.get()));
    if (!key || X509_REQ_verify(req.get(), key.get()) != 1)
        invalid("its signature is wrong");
    X509_NAME* name = X509_REQ_get_subject_name(req.get());
    CsrInfo info;
    info.cn = subject_field(name, NID_commonName);
    if (info.cn.empty())
        invalid("it has no common name (CN)");
    info.o = subject_field(name, NID_organizationName);
    info.ou = subject_field(name, NID_organizationalUnitName);
    info.l = subject_field(name, NID_localityName);
    info.st = subject_field(name, NID_stateOrProvinceName);
    info.c = subject_field(name, NID_countryName);
    info.email = subject_field(name, NID_pkcs9_emailAddress);
    info.sans = dns_sans(req.get());
    info.sha256 = der_sha256(req.get());
    info.public_key = spki_der(key.get());
    return info;
}

std::string public_key_of(const std::string& private_key_pem) {
    std::unique_ptr<BIO, BioFree> bio(
        BIO_new_mem_buf(private_key_pem.data(), static_cast<int>(private_key_pem.size())));
    std::unique_ptr<EVP_PKEY, KeyFree> key(
        PEM_read_bio_PrivateKey(bio.get(), nullptr, nullptr, nullptr));
    std::string spki = key ? spki_der(key.get()) : std::string();
    if (spki.empty())
        throw Error(errtype::kValue, "key", "", "the private key cannot be read");
    return spki;
}

}  // namespace pmb
