#include "core/zip.h"

#include <openssl/evp.h>
#include <zlib.h>

#include <cstdint>

#include "core/error.h"

namespace pmb {
namespace {

constexpr uint32_t kLocalHeader = 0x04034b50;
constexpr uint32_t kCentralHeader = 0x02014b50;
constexpr uint32_t kEndOfCentralDirectory = 0x06054b50;
constexpr size_t kEndRecordSize = 22;
constexpr size_t kLocalHeaderSize = 30;
constexpr size_t kCentralHeaderSize = 46;
constexpr uint16_t kVersion = 20;
constexpr uint16_t kUtf8Names = 0x0800;
constexpr uint16_t kDosDate = 0x5A21;  // 2025-01-01: a fixed date keeps archives reproducible
constexpr uint16_t kStored = 0;
constexpr uint16_t kDeflated = 8;
constexpr uint32_t kMaxEntryBytes = 16u << 20;  // certificate files are kilobytes

[[noreturn]] void unreadable(const std::string& why) {
    throw Error(errtype::kBadResponse, "zip", "", "the zip archive cannot be read: " + why);
}

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

// The fields local and central headers share: version needed .. extra field length.
void put_common_fields(std::string& out, const ZipEntry& entry, uint32_t crc) {
    put16(out, kVersion);
    put16(out, kUtf8Names);
    put16(out, kStored);
    put16(out, 0);  // time 00:00:00
    put16(out, kDosDate);
    put32(out, crc);
    put32(out, static_cast<uint32_t>(entry.data.size()));
    put32(out, static_cast<uint32_t>(entry.data.size()));
    put16(out, static_cast<uint16_t>(entry.name.size()));
    put16(out, 0);
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

class Reader {
public:
    explicit Reader(const std::string& data) : data_(data) {}
    uint16_t u16(size_t at) const {
        need(at, 2);
        return static_cast<uint16_t>(byte(at) | byte(at + 1) << 8);
    }
    uint32_t u32(size_t at) const {
        return static_cast<uint32_t>(u16(at)) | static_cast<uint32_t>(u16(at + 2)) << 16;
    }
    std::string bytes(size_t at, size_t size) const {
        need(at, size);
        return data_.substr(at, size);
    }
    size_t size() const { return data_.size(); }

private:
    unsigned byte(size_t at) const { return static_cast<unsigned char>(data_[at]); }
    void need(size_t at, size_t size) const {
        if (at > data_.size() || size > data_.size() - at)
            unreadable("it is truncated");
    }
    const std::string& data_;
};

size_t end_record_offset(const Reader& in) {
    if (in.size() < kEndRecordSize)
        unreadable("it is too short");
    // The record ends the archive, followed only by a comment of up to 64 KiB.
    for (size_t at = in.size() - kEndRecordSize;; --at) {
        if (in.u32(at) == kEndOfCentralDirectory)
            return at;
        if (at == 0 || in.size() - at > kEndRecordSize + 0xFFFF)
            unreadable("it has no end of central directory");
    }
}

std::string inflate_raw(const std::string& packed, uint32_t size) {
    std::string out(size, '\0');
    z_stream z{};
    if (inflateInit2(&z, -MAX_WBITS) != Z_OK)
        unreadable("zlib cannot start");
    z.next_in = reinterpret_cast<Bytef*>(const_cast<char*>(packed.data()));
    z.avail_in = static_cast<uInt>(packed.size());
    z.next_out = reinterpret_cast<Bytef*>(out.data());
    z.avail_out = static_cast<uInt>(out.size());
    int rc = inflate(&z, Z_FINISH);
    inflateEnd(&z);
    if (rc != Z_STREAM_END || z.avail_out != 0)
        unreadable("a deflated file does not unpack to its stated size");
    return out;
}

ZipEntry read_entry(const Reader& in, size_t central) {
    if (in.u32(central) != kCentralHeader)
        unreadable("a broken central directory");
    uint16_t method = in.u16(central + 10);
    uint32_t crc = in.u32(central + 16);
    uint32_t packed_size = in.u32(central + 20);
    uint32_t size = in.u32(central + 24);
    size_t local = in.u32(central + 42);
    ZipEntry entry;
    entry.name = in.bytes(central + kCentralHeaderSize, in.u16(central + 28));
    if (in.u32(local) != kLocalHeader)
        unreadable("a broken local header");
    if (size > kMaxEntryBytes)
        unreadable("a file of " + std::to_string(size) + " bytes");
    size_t data_at = local + kLocalHeaderSize + in.u16(local + 26) + in.u16(local + 28);
    std::string packed = in.bytes(data_at, packed_size);
    if (method == kStored)
        entry.data = packed;
    else if (method == kDeflated)
        entry.data = inflate_raw(packed, size);
    else
        unreadable("compression method " + std::to_string(method));
    if (entry.data.size() != size || crc_of(entry.data) != crc)
        unreadable("the file " + entry.name + " fails its CRC check");
    return entry;
}

}  // namespace

std::string make_zip(const std::vector<ZipEntry>& entries) {
    std::string archive;
    std::string central;
    for (const ZipEntry& entry : entries) {
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

std::vector<ZipEntry> read_zip(const std::string& archive) {
    Reader in(archive);
    size_t end = end_record_offset(in);
    uint16_t count = in.u16(end + 10);
    size_t central = in.u32(end + 16);
    std::vector<ZipEntry> entries;
    for (uint16_t i = 0; i < count; ++i) {
        ZipEntry entry = read_entry(in, central);
        central +=
            kCentralHeaderSize + entry.name.size() + in.u16(central + 30) + in.u16(central + 32);
        if (!entry.name.empty() && entry.name.back() != '/')
            entries.push_back(std::move(entry));
    }
    return entries;
}

bool looks_like_zip(const std::string& data) {
    return data.rfind("PK\x03\x04", 0) == 0;
}

}  // namespace pmb
