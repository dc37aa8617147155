// One run per service: an exclusive flock on var/run/pmbillmgrssl.<item>.lock, held for the
// whole item command. Staff can press "Execute" on an operation that is still running; two
// runs acting on one service would order or renew twice. The kernel drops the lock when its
// holder dies, even by kill -9, so a crash never leaves the service locked.
#pragma once

#include <string>

#include "core/file_lock.h"

namespace pmb {

class ItemLock {
public:
    // Waits up to wait_s seconds for the lock of item at path (its folder and the missing
    // parents are created, 0750). Throws pmb::Error(pmbillmgrssl_busy) when another run still
    // holds it then, and pmb::Error(internal) naming the path when the folder cannot be made
    // or the file opened: it never goes on unlocked.
    ItemLock(const std::string& path, long long item, long wait_s);

private:
    FileLock lock_;
};

}  // namespace pmb
