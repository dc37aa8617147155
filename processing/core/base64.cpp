#include "core/base64.h"

#include <openssl/evp.h>

#include <stdexcept>

namespace pmb {

std::string base64_encode(const std::string& data) {
    std::string out(4 * ((data.size() + 2) / 3), '\0');
    int written = EVP_EncodeBlock(reinterpret_cast<unsigned char*>(out.data()),
                                  reinterpret_cast<const unsigned char*>(data.data()),
                                  static_cast<int>(data.size()));
    out.resize(static_cast<size_t>(written));
    return out;
}

std::string base64_decode(const std::string& text) {
    std::string clean;
    for (char c : text)
        if (c != '\n' && c != '\r' && c != ' ')
            clean += c;
    if (clean.empty() || clean.size() % 4 != 0)
        throw std::invalid_argument("not base64");
    std::string out(clean.size() / 4 * 3, '\0');
    int n = EVP_DecodeBlock(reinterpret_cast<unsigned char*>(out.data()),
                            reinterpret_cast<const unsigned char*>(clean.data()),
                            static_cast<int>(clean.size()));
    if (n < 0)
        throw std::invalid_argument("not base64");
    size_t padding = clean.size() - clean.find_last_not_of('=') - 1;
    out.resize(static_cast<size_t>(n) - padding);
    return out;
}

}  // namespace pmb
