#include "zip_writer.h"

#include <zlib.h>

#include <cstdint>

namespace fake_upstream {
namespace {

constexpr uint32_t kLocalHeader = 0x04034b50;
constexpr uint32_t kCentralHeader = 0x02014b50;
constexpr uint32_t kEndOfCentralDirectory = 0x06054b50;
constexpr uint16_t kVersion = 20;
constexpr uint16_t kUtf8Names = 0x0800;
constexpr uint16_t kDosTime = 0;       // 00:00:00
constexpr uint16_t kDosDate = 0x5A21;  // 2025-01-01

void put16(std::string& out, uint16_t value) {
    out += static_cast<char>(value & 0xFF);
    out += static_cast<char>(value >> 8);
}

void put32(std::string& out, uint32_t value) {
    put16(out, static_cast<uint16_t>(value & 0xFFFF));
    put16(out, static_cast<uint16_t>(value >> 16));
}

uint32_t crc_of(const std::string& data) {
    uLong crc = crc32(0L, Z_NULL, 0);
    crc = crc32(crc, reinterpret_cast<const Bytef*>(data.data()), static_cast<uInt>(data.size()));
    return static_cast<uint32_t>(crc);
}

// The fields local and central headers share: version needed .. name length.
void put_common_fields(std::string& out, const ZipEntry& entry, uint32_t crc) {
    put16(out, kVersion);
    put16(out, kUtf8Names);
    put16(out, 0);  // method: STORE
    put16(out, kDosTime);
    put16(out, kDosDate);
    put32(out, crc);
    put32(out, static_cast<uint32_t>(entry.data.size()));
    put32(out, static_cast<uint32_t>(entry.data.size()));
    put16(out, static_cast<uint16_t>(entry.name.size()));
    put16(out, 0);  // extra field length
}

void put_central_entry(std::string& out, const ZipEntry& entry, uint32_t crc, uint32_t offset) {
    put32(out, kCentralHeader);
    put16(out, kVersion);  // version made by
    put_common_fields(out, entry, crc);
    put16(out, 0);  // comment length
    put16(out, 0);  // disk number
    put16(out, 0);  // internal attributes
    put32(out, 0);  // external attributes
    put32(out, offset);
    out += entry.name;
}

}  // namespace

std::string make_zip(const std::vector<ZipEntry>& entries) {
    std::string archive;
    std::string central;
    for (const auto& entry : entries) {
        uint32_t crc = crc_of(entry.data);
        put_central_entry(central, entry, crc, static_cast<uint32_t>(archive.size()));
        put32(archive, kLocalHeader);
        put_common_fields(archive, entry, crc);
        archive += entry.name;
        archive += entry.data;
    }
    uint32_t central_offset = static_cast<uint32_t>(archive.size());
    archive += central;
    put32(archive, kEndOfCentralDirectory);
    put16(archive, 0);  // this disk
    put16(archive, 0);  // disk with the central directory
    put16(archive, static_cast<uint16_t>(entries.size()));
    put16(archive, static_cast<uint16_t>(entries.size()));
    put32(archive, static_cast<uint32_t>(central.size()));
    put32(archive, central_offset);
    put16(archive, 0);  // comment length
    return archive;
}

}  // namespace fake_upstream
