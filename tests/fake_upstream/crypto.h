// OpenSSL helpers: the test CA, the TLS server certificate, CSRs and issued certificates.
#pragma once

#include <openssl/evp.h>
#include <openssl/x509.h>

#include <ctime>
#include <memory>
#include <optional>
#include <string>
#include <vector>

namespace fake_upstream {

struct PkeyFree {
    void operator()(EVP_PKEY* key) const { EVP_PKEY_free(key); }
};
struct X509Free {
    void operator()(X509* cert) const { X509_free(cert); }
};
struct X509ReqFree {
    void operator()(X509_REQ* req) const { X509_REQ_free(req); }
};
using PkeyPtr = std::unique_ptr<EVP_PKEY, PkeyFree>;
using X509Ptr = std::unique_ptr<X509, X509Free>;
using X509ReqPtr = std::unique_ptr<X509_REQ, X509ReqFree>;

PkeyPtr generate_rsa_key();
std::string key_to_pem(EVP_PKEY* key);
std::string cert_to_pem(X509* cert);

struct Authority {
    X509Ptr cert;
    PkeyPtr key;
    std::string cert_pem;
};

// Loads ca.pem/ca.key from dir, creating them (and server.pem/server.key) when missing.
Authority load_or_create_authority(const std::string& dir);
// An authority that lives only in memory (plain-HTTP runs without a CA directory).
Authority create_ephemeral_authority();

struct ParsedCsr {
    std::string common_name;  // empty when the subject has no CN
};
// Parses a PEM CSR and checks its self-signature; nullopt when it is not a valid CSR.
std::optional<ParsedCsr> parse_csr(const std::string& pem);

struct GeneratedRequest {
    std::string csr_pem;
    std::string key_pem;
};
GeneratedRequest generate_csr(const std::string& common_name);
// True when key_pem is a private key whose public half is the CSR's.
bool key_matches_csr(const std::string& key_pem, const std::string& csr_pem);

// Signs a leaf for the CSR's public key; DNS SANs are the given names, valid until not_after.
std::string issue_certificate(const Authority& ca, const std::string& csr_pem,
                              const std::string& common_name,
                              const std::vector<std::string>& dns_names, std::time_t not_after);

// A "certs only" PKCS#7 (what a .p7b file holds) of the PEM certificates, in DER or in PEM, as
// `openssl crl2pkcs7 -nocrl` makes it.
std::string pkcs7_of(const std::vector<std::string>& certificate_pems, bool pem);

}  // namespace fake_upstream
