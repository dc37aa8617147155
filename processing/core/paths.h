// Where things live under the BILLmanager root (default /usr/local/mgr5, or $PMBILLMGRSSL_ROOT).
#pragma once

#include <string>

namespace pmb {

class MgrRoot {
public:
    static MgrRoot from_environment();
    explicit MgrRoot(std::string dir) : dir_(std::move(dir)) {}

    const std::string& dir() const { return dir_; }
    // A path relative to the root; absolute paths are returned unchanged.
    std::string path(const std::string& relative) const;

    std::string config_file() const { return path("etc/pmbillmgrssl.conf"); }
    std::string log_file() const { return path("var/pmbillmgrssl.log"); }
    std::string mgrctl() const { return path("sbin/mgrctl"); }
    std::string kill_switch() const { return path("etc/billmgr.DoNothing"); }
    // Capabilities of the upstream tariffs, written by import_pricelist, read by features.
    std::string template_cache() const { return path("var/pmbillmgrssl.templates.xml"); }

private:
    std::string dir_;
};

}  // namespace pmb
