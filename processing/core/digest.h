// SHA-256 as lower-case hex: fingerprints of CSRs and certificates.
#pragma once

#include <string>
#include <string_view>

namespace pmb {

std::string sha256_hex(std::string_view data);

}  // namespace pmb
