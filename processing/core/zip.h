// Zip archives of certificate files: written without compression (a few kilobytes of PEM),
// read with the two methods panels use (stored and deflate).
#pragma once

#include <string>
#include <vector>

namespace pmb {

struct ZipEntry {
    std::string name;
    std::string data;
};

// A zip archive (STORE method, CRC-32, UTF-8 names) holding entries in their order.
std::string make_zip(const std::vector<ZipEntry>& entries);

// The files of a zip archive, read from its central directory; directories are skipped.
// Throws Error(bad_response, "zip") for what is not a readable zip, a method other than
// stored or deflate, or a CRC mismatch.
std::vector<ZipEntry> read_zip(const std::string& archive);

// Whether data starts like a zip archive ("PK\3\4").
bool looks_like_zip(const std::string& data);

}  // namespace pmb
