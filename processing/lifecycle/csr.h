// What the module needs to know about a certificate signing request (OpenSSL).
#pragma once

#include <string>
#include <vector>

namespace pmb {

struct CsrInfo {
    std::string cn;
    std::vector<std::string> sans;  // DNS names of the subjectAltName extension
    std::string o, ou, l, st, c, email;
    std::string sha256;      // of the DER encoding: detects a changed CSR
    std::string public_key;  // DER SubjectPublicKeyInfo
};

// Throws Error(value, "csr") when the text is not a PEM CSR with a valid self-signature.
CsrInfo parse_csr(const std::string& pem);

// The DER SubjectPublicKeyInfo of a PEM private key, to pair it with a CSR. Throws
// Error(value, "key") when the text is not a readable private key; the message never holds
// the key.
std::string public_key_of(const std::string& private_key_pem);

}  // namespace pmb
