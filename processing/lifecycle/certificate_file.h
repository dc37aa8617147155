// What the module accepts as an issued certificate from the upstream (OpenSSL): real X.509
// certificates only, with any private key taken out, so junk is never saved as issued and a
// key the upstream sent along is never passed on. Each file is read by what it is, not by
// its name or the type an answer declares.
#pragma once

#include <string>
#include <vector>

#include "model/certificate.h"

namespace pmb {

struct IssuedCertificate {
    std::string certificate;         // PEM of the server certificate (the leaf)
    std::string chain;               // PEM of its chain: the leaf's issuer first, upwards
    std::vector<std::string> names;  // the certificate's CN and DNS SANs, lower case
    bool key_stripped = false;       // the answer carried a private key, now left out
    int left_out = 0;                // other certificates, not in the leaf's chain
    std::string pem() const { return certificate + chain; }
    // Whether the certificate was issued for domain (its CN or a SAN; *.x covers one label).
    bool covers(const std::string& domain) const;
    std::string name_list() const;  // comma-separated, for messages
};

// The public key (DER SubjectPublicKeyInfo) the leaf must carry: the CSR's when there is a
// readable one, else the private key's (a key the upstream made); empty when neither.
std::string leaf_public_key(const std::string& csr_pem, const std::string& private_key_pem);

// The leaf and its chain from every file of certificate.file's answer. Each file is, by its
// content: a zip (its files read the same way), PEM (CERTIFICATE and PKCS7 blocks; private
// keys left out; a CSR ignored), DER PKCS#7 (.p7b) or a DER certificate, base64 of any of
// these, or a private key (left out; so is a file named *.key). Certificates met twice
// (a .p7b beside its .crt files) count once. The leaf is the certificate carrying
// leaf_key when one is given, else the first that is not a CA; its chain follows issuer by
// issuer. Throws Error(bad_response, "crt") naming what is wrong: no certificate at all
// (empty, HTML, unknown files), a CERTIFICATE or PKCS7 that does not parse, a PEM block of
// another kind, a broken zip, only CA certificates, or none carrying leaf_key. Messages
// never quote a file: it may hold a key.
IssuedCertificate read_issued_file(const IssuedFile& file, const std::string& leaf_key = {});

// The zip a client downloads when the upstream made the key (the panel has no key then):
// <CN>.crt, <CN>.ca-bundle (when there is a chain) and <CN>.key; a wildcard's "*" is
// written "star", which file systems accept.
std::string bundle_with_key(const IssuedCertificate& issued, const std::string& cn,
                            const std::string& private_key);

}  // namespace pmb
