// An exclusive flock on a lock file, held until the object is destroyed. The kernel drops it
// when its holder dies, even by kill -9, so a crash never leaves anything locked. Used for
// one run per service (billmgr/item_lock.h) and one list read per burst of syncs
// (lifecycle/list_snapshot.h).
#pragma once

#include <functional>
#include <string>

namespace pmb {

class FileLock {
public:
    // Opens (creates, 0600) the lock file, making its folder and missing parents (0750).
    // Throws pmb::Error(internal) naming the path when the folder cannot be made or the file
    // opened.
    explicit FileLock(const std::string& path);
    ~FileLock();
    FileLock(const FileLock&) = delete;
    FileLock& operator=(const FileLock&) = delete;

    // Takes the lock, waiting up to wait_s seconds while another holder has it; on_wait is
    // called once, when it must wait. false when the other still holds it then.
    bool acquire(long wait_s, const std::function<void()>& on_wait = {});

private:
    int fd_;
};

}  // namespace pmb
