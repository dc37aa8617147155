// A file replaced whole or not at all: written to a temporary file beside it, fsync'ed, then
// renamed over it (and the folder synced), so a reader sees the old file or the new one,
// never half of one, even after a crash.
#pragma once

#include <sys/types.h>

#include <string>
#include <string_view>

namespace pmb {

class AtomicFile {
public:
    // Creates the temporary file (mode, whatever the umask). Throws Error(internal, "file",
    // path) naming what (e.g. "the tariff template cache") and the reason.
    AtomicFile(std::string path, std::string what, mode_t mode = 0640);
    // An uncommitted temporary file is removed.
    ~AtomicFile();
    AtomicFile(const AtomicFile&) = delete;
    AtomicFile& operator=(const AtomicFile&) = delete;

    // Appends text (buffered); throws as the constructor does.
    void write(std::string_view text);
    // Puts the new file in place; throws as the constructor does.
    void commit();

private:
    void flush();
    [[noreturn]] void fail(int error);

    std::string path_, what_, temporary_;
    std::string buffer_;
    int fd_ = -1;
};

}  // namespace pmb
