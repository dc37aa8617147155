// What the module accepts as an issued certificate from the upstream (OpenSSL): real X.509
// certificates only, with any private key taken out, so junk is never saved as issued and a
// key the upstream appended by mistake is never passed on.
#pragma once

#include <string>
#include <vector>

#include "model/certificate.h"

namespace pmb {

struct IssuedCertificate {
    std::string certificate;         // PEM of the server certificate
    std::string chain;               // PEM of the other certificates (intermediates), as sent
    std::vector<std::string> names;  // the certificate's CN and DNS SANs, lower case
    bool key_stripped = false;       // the answer carried a private key, now left out
    std::string pem() const { return certificate + chain; }
    // Whether the certificate was issued for domain (its CN or a SAN; *.x covers one label).
    bool covers(const std::string& domain) const;
    std::string name_list() const;  // comma-separated, for messages
};

// Throws Error(bad_response, "crt") naming what is wrong: no PEM certificate at all (empty,
// HTML), a CERTIFICATE block that is not X.509, or a PEM block of another kind. Messages
// never quote the text: it may hold a key.
IssuedCertificate parse_issued_certificate(const std::string& text);

// The same for certificate.file's answer: a zip is unpacked first and every PEM file in it
// read, in the archive's order. Throws as parse_issued_certificate, or for a broken zip.
IssuedCertificate read_issued_file(const IssuedFile& file);

// The zip a client downloads when the upstream made the key (the panel has no key then):
// <CN>.crt, <CN>.ca-bundle (when there is a chain) and <CN>.key; a wildcard's "*" is
// written "star", which file systems accept.
std::string bundle_with_key(const IssuedCertificate& issued, const std::string& cn,
                            const std::string& private_key);

}  // namespace pmb
