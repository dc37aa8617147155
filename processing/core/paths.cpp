#include "core/paths.h"

#include <cstdlib>
#include <filesystem>
#include <system_error>

namespace pmb {
namespace {

// The resolved path of the running executable; empty when /proc is unavailable.
std::string own_executable() {
    std::error_code ignored;
    return std::filesystem::read_symlink("/proc/self/exe", ignored).string();
}

}  // namespace

MgrRoot MgrRoot::from_environment() {
    return MgrRoot(derive_dir(own_executable(), std::getenv(kEnvVariable)));
}

std::string MgrRoot::derive_dir(const std::string& exe_path, const char* env_root) {
    if (env_root && *env_root)
        return env_root;
    const std::filesystem::path exe(exe_path);
    const std::filesystem::path folder = exe.parent_path();
    const std::filesystem::path root = folder.parent_path();
    if (exe.is_absolute() && exe.has_filename() && folder.filename() == "processing" &&
        !root.empty())
        return root.string();
    return kDefaultDir;
}

std::string MgrRoot::path(const std::string& relative) const {
    if (!relative.empty() && relative[0] == '/')
        return relative;
    return dir_ + "/" + relative;
}

}  // namespace pmb
