#include "core/file_lock.h"

#include <fcntl.h>
#include <sys/file.h>
#include <unistd.h>

#include <cerrno>
#include <chrono>
#include <cstring>
#include <thread>

#include "core/error.h"
#include "core/paths.h"

namespace pmb {
namespace {

constexpr auto kPollInterval = std::chrono::milliseconds(100);

Error cannot_lock(const std::string& path, int error) {
    return Error(errtype::kInternal, "lock", path,
                 "cannot open the lock file " + path + ": " + std::strerror(error));
}

int open_lock_file(const std::string& path) {
    ensure_directory(path.substr(0, path.rfind('/')), "lock directory");
    // O_CLOEXEC: a child (mgrctl) must not keep the lock after this run ends.
    int fd = ::open(path.c_str(), O_RDWR | O_CREAT | O_CLOEXEC, 0600);
    if (fd < 0)
        throw cannot_lock(path, errno);
    return fd;
}

bool try_lock(int fd) {
    while (::flock(fd, LOCK_EX | LOCK_NB) != 0) {
        if (errno == EWOULDBLOCK)
            return false;
        if (errno != EINTR)
            throw Error(errtype::kInternal, "lock", "", std::string("flock: ") + strerror(errno));
    }
    return true;
}

}  // namespace

FileLock::FileLock(const std::string& path) : fd_(open_lock_file(path)) {}

FileLock::~FileLock() {
    ::close(fd_);  // releases the flock
}

bool FileLock::acquire(long wait_s, const std::function<void()>& on_wait) {
    const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(wait_s);
    bool waited = false;
    while (!try_lock(fd_)) {
        if (!waited && on_wait)
            on_wait();
        waited = true;
        if (std::chrono::steady_clock::now() >= deadline)
            return false;
        std::this_thread::sleep_for(kPollInterval);
    }
    return true;
}

}  // namespace pmb
