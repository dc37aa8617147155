// Zip archives of certificate files, in memory, with libzip: written without compression (a
// few kilobytes of PEM), read as the upstream sends them (any method libzip unpacks).
#pragma once

#include <string>
#include <vector>

namespace pmb {

struct ZipEntry {
    std::string name;
    std::string data;
};

// A zip archive (STORE method, UTF-8 names, a fixed date) holding entries in their order.
// Throws Error(internal, "zip") when libzip cannot write it (duplicate names).
std::string make_zip(const std::vector<ZipEntry>& entries);

// The files of a zip archive, in the order of its central directory; directories are
// skipped. The archive comes from the upstream, so it is refused rather than half-read:
// Throws Error(bad_response, "zip") for what is not a readable zip, an archive spanning
// several disks, an encrypted file, a file name that is absolute or holds "..", a file
// larger than 16 MiB (certificate files are kilobytes), more than 1000 files, or a file
// that fails its CRC check.
std::vector<ZipEntry> read_zip(const std::string& archive);

// Whether data starts like a zip archive ("PK\3\4").
bool looks_like_zip(const std::string& data);

}  // namespace pmb
