#include "lifecycle/domain.h"

#include <idn2.h>
#include <libpsl.h>

#include <algorithm>
#include <cctype>

#include "core/error.h"

namespace pmb {

std::string domain_to_ascii(const std::string& domain) {
    std::string name = domain;
    std::string prefix;
    if (name.rfind("*.", 0) == 0) {
        prefix = "*.";
        name = name.substr(2);
    }
    while (!name.empty() && name.back() == '.')
        name.pop_back();
    // libidn2 lets '*' and empty labels through; a wildcard is only ever the leading "*.".
    if (name.empty() || name.find_first_of(" \t/@:*") != std::string::npos ||
        name.find("..") != std::string::npos || name.front() == '.')
        throw Error(errtype::kValue, "domain", domain, "'" + domain + "' is not a domain name");
    char* ascii = nullptr;
    int rc = idn2_to_ascii_8z(name.c_str(), &ascii, IDN2_NONTRANSITIONAL | IDN2_NFC_INPUT);
    if (rc != IDN2_OK)
        throw Error(errtype::kValue, "domain", domain,
                    "'" + domain + "' is not a valid domain name: " + idn2_strerror(rc));
    std::string out(ascii);
    idn2_free(ascii);
    std::transform(out.begin(), out.end(), out.begin(),
                   [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
    return prefix + out;
}

std::string registrable_domain(const std::string& ascii_domain) {
    // A wildcard's registrable domain is that of its base.
    const std::string name =
        ascii_domain.rfind("*.", 0) == 0 ? ascii_domain.substr(2) : ascii_domain;
    const char* reg = psl_registrable_domain(psl_builtin(), name.c_str());
    return reg ? std::string(reg) : name;
}

std::vector<std::string> approver_addresses(const std::string& domain) {
    static const char* const kMailboxes[] = {"admin", "administrator", "hostmaster", "postmaster",
                                             "webmaster"};
    std::string name = domain_to_ascii(domain);
    if (name.rfind("*.", 0) == 0)
        name = name.substr(2);  // a wildcard is validated at its base
    const std::string registrable = registrable_domain(name);
    std::vector<std::string> out;
    for (std::string level = name;;) {
        for (const char* mailbox : kMailboxes)
            out.push_back(std::string(mailbox) + "@" + level);
        if (level.size() <= registrable.size())
            break;
        level = level.substr(level.find('.') + 1);
    }
    return out;
}

}  // namespace pmb
