#include "billmgr/item_lock.h"

#include "core/error.h"
#include "core/log.h"

namespace pmb {
namespace {

Error busy(long long item, long wait_s) {
    std::string service = std::to_string(item);
    return Error(errtype::kBusy, "item", service,
                 "service " + service + " is being processed by another run, which did not " +
                     "finish within " + std::to_string(wait_s) + " s; try again later");
}

}  // namespace

ItemLock::ItemLock(const std::string& path, long long item, long wait_s) : lock_(path) {
    bool locked = lock_.acquire(wait_s, [&] {
        log_info("service " + std::to_string(item) + " is busy: waiting up to " +
                 std::to_string(wait_s) + " s for the other run");
    });
    if (!locked)
        throw busy(item, wait_s);
}

}  // namespace pmb
