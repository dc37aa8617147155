// Where things live under the BILLmanager root.
#pragma once

#include <string>

namespace pmb {

class MgrRoot {
public:
    static constexpr const char* kDefaultDir = "/usr/local/mgr5";
    static constexpr const char* kEnvVariable = "PMBILLMGRSSL_ROOT";

    // The root of this process: $PMBILLMGRSSL_ROOT, else derived from /proc/self/exe.
    static MgrRoot from_environment();
    // A non-empty env_root wins. Otherwise an executable at <root>/processing/<file> means
    // <root>, so a module installed with --prefix finds its own config, log and mgrctl.
    // Any other location (a build tree, a copy elsewhere) means kDefaultDir.
    static std::string derive_dir(const std::string& exe_path, const char* env_root);

    explicit MgrRoot(std::string dir) : dir_(std::move(dir)) {}

    const std::string& dir() const { return dir_; }
    // A path relative to the root; absolute paths are returned unchanged.
    std::string path(const std::string& relative) const;

    std::string config_file() const { return path("etc/pmbillmgrssl.conf"); }
    // The directories the module writes; it creates them when missing (ensure_directory).
    std::string var_dir() const { return path("var"); }
    std::string lock_dir() const { return path("var/run"); }
    std::string log_file() const { return path("var/pmbillmgrssl.log"); }
    std::string mgrctl() const { return path("sbin/mgrctl"); }
    // Kill switches, relative to the root: BILLmanager's own maintenance mode (it pauses
    // every processing module) and this module's own stop.
    static constexpr const char* kPanelKillSwitch = "etc/billmgr.DoNothing";
    static constexpr const char* kModuleKillSwitch = "etc/pmbillmgrssl.DoNothing";
    // The lock that keeps runs for one service one at a time (billmgr/item_lock.h).
    std::string item_lock(long long item) const {
        return lock_dir() + "/pmbillmgrssl." + std::to_string(item) + ".lock";
    }
    // The snapshot of a processing module's certificate list that a burst of syncs shares,
    // and the lock that lets one run read the list (lifecycle/list_snapshot.h).
    std::string list_snapshot(long long module) const {
        return path("var/pmbillmgrssl.list." + std::to_string(module) + ".tsv");
    }
    std::string list_lock(long long module) const {
        return lock_dir() + "/pmbillmgrssl.list." + std::to_string(module) + ".lock";
    }
    // Capabilities of the upstream tariffs, written by import_pricelist, read by features.
    std::string template_cache() const { return path("var/pmbillmgrssl.templates.xml"); }

private:
    std::string dir_;
};

// Creates dir and each missing parent with mode 0750 (whatever the umask: BILLmanager's group
// may read the module's files, others not); directories that exist are left as they are. A
// fresh `install.sh --prefix` root has no var/, and nothing says every panel has var/run.
// Throws Error(internal, "directory", dir) naming the path and the reason, e.g. a part of it
// that is a file: "cannot create the <what> <dir>: <part> is not a directory".
void ensure_directory(const std::string& dir, const std::string& what);

}  // namespace pmb
