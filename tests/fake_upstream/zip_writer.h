// A minimal zip archive writer (STORE method), enough for certificate bundles.
#pragma once

#include <string>
#include <vector>

namespace fake_upstream {

struct ZipEntry {
    std::string name;
    std::string data;
};

std::string make_zip(const std::vector<ZipEntry>& entries);

}  // namespace fake_upstream
