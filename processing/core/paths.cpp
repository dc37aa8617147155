#include "core/paths.h"

#include <cstdlib>

namespace pmb {

MgrRoot MgrRoot::from_environment() {
    const char* env = std::getenv("PMBILLMGRSSL_ROOT");
    return MgrRoot(env && *env ? env : "/usr/local/mgr5");
}

std::string MgrRoot::path(const std::string& relative) const {
    if (!relative.empty() && relative[0] == '/')
        return relative;
    return dir_ + "/" + relative;
}

}  // namespace pmb
