#include "zip_writer.h"

#include "core/zip.h"

namespace fake_upstream {

// The module's writer: its output is checked against python's zipfile in the unit tests.
std::string make_zip(const std::vector<ZipEntry>& entries) {
    std::vector<pmb::ZipEntry> files;
    for (const ZipEntry& entry : entries)
        files.push_back({entry.name, entry.data});
    return pmb::make_zip(files);
}

}  // namespace fake_upstream
