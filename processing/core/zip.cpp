#include "core/zip.h"

#include <zip.h>

#include <cstdio>
#include <ctime>
#include <memory>

#include "core/error.h"

namespace pmb {
namespace {

constexpr zip_uint64_t kMaxEntryBytes = 16u << 20;  // certificate files are kilobytes
constexpr zip_int64_t kMaxEntries = 1000;
constexpr std::time_t kFixedTime = 1735732800;  // 2025-01-01 12:00 UTC: reproducible archives

struct ArchiveDiscard {
    void operator()(zip_t* archive) const { zip_discard(archive); }
};
struct SourceFree {
    void operator()(zip_source_t* source) const { zip_source_free(source); }
};
struct FileClose {
    void operator()(zip_file_t* file) const { zip_fclose(file); }
};
using ArchivePtr = std::unique_ptr<zip_t, ArchiveDiscard>;
using SourcePtr = std::unique_ptr<zip_source_t, SourceFree>;

// Owns a zip_error_t, which libzip requires to be finalised.
class ZipError {
public:
    ZipError() { zip_error_init(&error_); }
    ~ZipError() { zip_error_fini(&error_); }
    ZipError(const ZipError&) = delete;
    ZipError& operator=(const ZipError&) = delete;
    zip_error_t* get() { return &error_; }
    int code() const { return error_.zip_err; }
    std::string text() { return zip_error_strerror(&error_); }

private:
    zip_error_t error_;
};

[[noreturn]] void unreadable(const std::string& why) {
    throw Error(errtype::kBadResponse, "zip", "", "the zip archive cannot be read: " + why);
}

[[noreturn]] void unwritable(const std::string& why) {
    throw Error(errtype::kInternal, "zip", "", "the zip archive cannot be written: " + why);
}

// What libzip's refusal to open an archive means, in the reader's words.
std::string open_failure(ZipError& error) {
    switch (error.code()) {
        case ZIP_ER_NOZIP:
            return "it is not a zip archive";
        case ZIP_ER_MULTIDISK:
            return "it spans several disks";
        case ZIP_ER_INCONS:
            return "its directory is inconsistent (truncated or damaged)";
        default:
            return error.text();
    }
}

// A name that could point outside a folder it were unpacked into.
bool unsafe_name(const std::string& name) {
    if (name.empty() || name[0] == '/' || name[0] == '\\')
        return true;
    size_t start = 0;
    while (start <= name.size()) {
        size_t end = name.find_first_of("/\\", start);
        if (end == std::string::npos)
            end = name.size();
        if (name.compare(start, end - start, "..") == 0 && end - start == 2)
            return true;
        start = end + 1;
    }
    return false;
}

std::string read_entry(zip_t* archive, zip_uint64_t index, const zip_stat_t& stat) {
    const std::string name = stat.name;
    std::unique_ptr<zip_file_t, FileClose> file(zip_fopen_index(archive, index, 0));
    if (!file)
        unreadable("the file " + name + ": " + zip_strerror(archive));
    // Room for one byte more than stated: a file that unpacks to more is refused. Read to the
    // end, where libzip checks the CRC.
    std::string data(stat.size + 1, '\0');
    zip_uint64_t filled = 0;
    for (;;) {
        zip_int64_t got = zip_fread(file.get(), data.data() + filled, data.size() - filled);
        if (got < 0) {
            zip_error_t* error = zip_file_get_error(file.get());
            if (zip_error_code_zip(error) == ZIP_ER_CRC)
                unreadable("the file " + name + " fails its CRC check");
            unreadable("the file " + name + ": " + zip_error_strerror(error));
        }
        filled += static_cast<zip_uint64_t>(got);
        if (got == 0 || filled > stat.size)
            break;
    }
    if (filled != stat.size)
        unreadable("the file " + name + " does not unpack to its stated size");
    data.resize(stat.size);
    return data;
}

// The bytes libzip wrote into an in-memory source.
std::string source_bytes(zip_source_t* source) {
    if (zip_source_is_deleted(source))  // an archive without entries
        return std::string("PK\x05\x06", 4) + std::string(18, '\0');
    if (zip_source_open(source) < 0)
        unwritable(zip_error_strerror(zip_source_error(source)));
    std::string out;
    if (zip_source_seek(source, 0, SEEK_END) == 0) {
        zip_int64_t size = zip_source_tell(source);
        out.resize(size > 0 ? static_cast<size_t>(size) : 0);
        if (size < 0 || zip_source_seek(source, 0, SEEK_SET) != 0 ||
            zip_source_read(source, out.data(), out.size()) != size)
            out.clear();
    }
    zip_source_close(source);
    if (out.empty())
        unwritable(zip_error_strerror(zip_source_error(source)));
    return out;
}

void add_entry(zip_t* archive, const ZipEntry& entry) {
    zip_source_t* data = zip_source_buffer(archive, entry.data.data(), entry.data.size(), 0);
    zip_int64_t index =
        data ? zip_file_add(archive, entry.name.c_str(), data, ZIP_FL_ENC_UTF_8) : zip_int64_t{-1};
    if (index < 0) {
        zip_source_free(data);
        unwritable("the file " + entry.name + ": " + zip_strerror(archive));
    }
    const auto at = static_cast<zip_uint64_t>(index);
    if (zip_set_file_compression(archive, at, ZIP_CM_STORE, 0) != 0 ||
        zip_file_set_mtime(archive, at, kFixedTime, 0) != 0)
        unwritable("the file " + entry.name + ": " + zip_strerror(archive));
}

}  // namespace

std::string make_zip(const std::vector<ZipEntry>& entries) {
    ZipError error;
    SourcePtr buffer(zip_source_buffer_create(nullptr, 0, 0, error.get()));
    if (!buffer)
        unwritable(error.text());
    ArchivePtr archive(zip_open_from_source(buffer.get(), ZIP_TRUNCATE, error.get()));
    if (!archive)
        unwritable(error.text());
    zip_source_keep(buffer.get());  // the archive holds one reference, this function another
    for (const ZipEntry& entry : entries)
        add_entry(archive.get(), entry);
    if (zip_close(archive.get()) != 0)
        unwritable(zip_strerror(archive.get()));
    archive.release();  // closed: zip_close freed it
    return source_bytes(buffer.get());
}

std::vector<ZipEntry> read_zip(const std::string& bytes) {
    ZipError error;
    SourcePtr source(zip_source_buffer_create(bytes.data(), bytes.size(), 0, error.get()));
    if (!source)
        unreadable(error.text());
    ArchivePtr archive(zip_open_from_source(source.get(), ZIP_RDONLY | ZIP_CHECKCONS, error.get()));
    if (!archive)
        unreadable(open_failure(error));
    source.release();  // the open archive owns it now
    const zip_int64_t count = zip_get_num_entries(archive.get(), 0);
    if (count > kMaxEntries)
        unreadable("it holds " + std::to_string(count) + " files");
    std::vector<ZipEntry> entries;
    for (zip_uint64_t index = 0; index < static_cast<zip_uint64_t>(count); ++index) {
        zip_stat_t stat;
        if (zip_stat_index(archive.get(), index, 0, &stat) != 0 || !(stat.valid & ZIP_STAT_NAME))
            unreadable(zip_strerror(archive.get()));
        const std::string name = stat.name;
        if (unsafe_name(name))
            unreadable("a file name that leaves its folder (" + name + ")");
        if (name.back() == '/')
            continue;  // a directory
        if ((stat.valid & ZIP_STAT_ENCRYPTION_METHOD) && stat.encryption_method != ZIP_EM_NONE)
            unreadable("the file " + name + " is encrypted");
        if (stat.size > kMaxEntryBytes)
            unreadable("a file of " + std::to_string(stat.size) + " bytes");
        entries.push_back({name, read_entry(archive.get(), index, stat)});
    }
    return entries;
}

bool looks_like_zip(const std::string& data) {
    return data.rfind("PK\x03\x04", 0) == 0;
}

}  // namespace pmb
