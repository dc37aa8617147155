#include "core/atomic_file.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>

#include "core/error.h"

namespace pmb {
namespace {

constexpr size_t kBufferBytes = 64 * 1024;

std::string folder_of(const std::string& path) {
    size_t slash = path.rfind('/');
    return slash == std::string::npos ? "." : slash == 0 ? "/" : path.substr(0, slash);
}

}  // namespace

AtomicFile::AtomicFile(std::string path, std::string what, mode_t mode)
    : path_(std::move(path)),
      what_(std::move(what)),
      temporary_(path_ + ".tmp." + std::to_string(getpid())) {
    fd_ = ::open(temporary_.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, mode);
    if (fd_ < 0)
        fail(errno);
    ::fchmod(fd_, mode);  // the umask must not narrow or widen it
}

AtomicFile::~AtomicFile() {
    if (fd_ >= 0) {
        ::close(fd_);
        ::unlink(temporary_.c_str());
    }
}

void AtomicFile::write(std::string_view text) {
    buffer_.append(text);
    if (buffer_.size() >= kBufferBytes)
        flush();
}

void AtomicFile::flush() {
    for (size_t done = 0; done < buffer_.size();) {
        ssize_t n = ::write(fd_, buffer_.data() + done, buffer_.size() - done);
        if (n < 0 && errno == EINTR)
            continue;
        if (n < 0)
            fail(errno);
        done += static_cast<size_t>(n);
    }
    buffer_.clear();
}

void AtomicFile::commit() {
    flush();
    if (::fsync(fd_) != 0)
        fail(errno);
    int fd = fd_;
    fd_ = -1;
    if (::close(fd) != 0 || ::rename(temporary_.c_str(), path_.c_str()) != 0) {
        int error = errno;
        ::unlink(temporary_.c_str());
        fail(error);
    }
    // The rename itself survives a crash only once the folder is on disk too.
    int folder = ::open(folder_of(path_).c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
    if (folder >= 0) {
        ::fsync(folder);
        ::close(folder);
    }
}

void AtomicFile::fail(int error) {
    throw Error(errtype::kInternal, "file", path_,
                "cannot write " + what_ + " " + path_ + ": " + std::strerror(error));
}

}  // namespace pmb
