#include "core/paths.h"

#include <sys/stat.h>

#include <cerrno>
#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <system_error>

#include "core/error.h"

namespace pmb {
namespace {

// The resolved path of the running executable; empty when /proc is unavailable.
std::string own_executable() {
    std::error_code ignored;
    return std::filesystem::read_symlink("/proc/self/exe", ignored).string();
}

constexpr mode_t kOwnDirectoryMode = 0750;

Error cannot_create(const std::string& what, const std::string& dir, const std::string& why) {
    return Error(errtype::kInternal, "directory", dir,
                 "cannot create the " + what + " " + dir + ": " + why);
}

// Whether part is a directory now; false when it does not exist. Throws for anything else.
bool existing_directory(const std::string& part, const std::string& what, const std::string& dir) {
    struct stat st {};
    if (::stat(part.c_str(), &st) != 0) {
        if (errno == ENOENT)
            return false;
        throw cannot_create(what, dir, part + ": " + std::strerror(errno));
    }
    if (!S_ISDIR(st.st_mode))
        throw cannot_create(what, dir, part + " is not a directory");
    return true;
}

}  // namespace

void ensure_directory(const std::string& dir, const std::string& what) {
    std::filesystem::path built;
    for (const std::filesystem::path& piece : std::filesystem::path(dir)) {
        built /= piece;
        const std::string part = built.string();
        if (piece.empty() || existing_directory(part, what, dir))
            continue;
        if (::mkdir(part.c_str(), kOwnDirectoryMode) == 0) {
            ::chmod(part.c_str(), kOwnDirectoryMode);  // the umask may have taken bits away
            continue;
        }
        const int error = errno;
        // Another run may have made it meanwhile; anything else is a reason to stop.
        if (error != EEXIST || !existing_directory(part, what, dir))
            throw cannot_create(what, dir, part + ": " + std::strerror(error));
    }
}

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
