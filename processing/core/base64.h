// Standard base64 (RFC 4648, with padding), both ways, in one place: crypted params and zip
// answers are decoded, zips for the panel encoded.
#pragma once

#include <string>

namespace pmb {

// No line breaks.
std::string base64_encode(const std::string& data);
// Line breaks and spaces are ignored; throws std::invalid_argument for what is not base64.
std::string base64_decode(const std::string& text);

}  // namespace pmb
