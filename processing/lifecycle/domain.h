// Domain names: IDN to punycode (libidn2) and approver addresses (libpsl for the registrable
// domain). Never hand-written: both are easy to get subtly wrong.
#pragma once

#include <string>
#include <vector>

namespace pmb {

// "пример.рф" → "xn--e1afmkfd.xn--p1ai"; lower-cases; keeps a leading "*.". Throws Error(value).
std::string domain_to_ascii(const std::string& domain);

// The registrable domain ("example.co.uk" for "a.b.example.co.uk"), from the Public Suffix List;
// a wildcard's is that of its base ("*.example.com": "example.com").
std::string registrable_domain(const std::string& ascii_domain);

// CA/Browser Forum constructed addresses (admin, administrator, hostmaster, postmaster,
// webmaster) at the domain and each parent down to the registrable domain.
std::vector<std::string> approver_addresses(const std::string& domain);

}  // namespace pmb
