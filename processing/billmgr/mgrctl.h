// Runs BILLmanager's sbin/mgrctl. No shell is involved (fork/exec with an argv), and secret
// values travel only in the child's environment through mgrctl's -e 'name=$VAR' form, because
// argv is visible to every user in ps.
#pragma once

#include <string>
#include <vector>

#include "billmgr/host.h"
#include "core/xml.h"

namespace pmb {

class Mgrctl {
public:
    // One argv or environment string may hold at most this many bytes with its NUL
    // (Linux MAX_ARG_STRLEN: 32 pages); a longer one fails the exec with E2BIG.
    static constexpr size_t kMaxArgBytes = 128 * 1024;

    // timeout_s bounds every call: a child still running then is killed (its process group).
    explicit Mgrctl(std::string path, long timeout_s = 60)
        : path_(std::move(path)), timeout_s_(timeout_s) {}

    // The argv and the extra environment for one call (exposed for tests).
    struct Invocation {
        std::vector<std::string> argv;
        std::vector<std::string> secret_env;  // NAME=value entries added to the environment
    };
    // ISPsystem's order: the function, its plain k=v params, then every -e 'k=$VAR'. Throws
    // pmb::Error(mgrctl) when one string is over kMaxArgBytes.
    Invocation build(const std::string& func, const std::vector<MgrctlArg>& args) const;

    // Runs the function; throws pmb::Error(mgrctl) on a failed run, a timeout or an <error>
    // answer.
    XmlDoc call(const std::string& func, const std::vector<MgrctlArg>& args) const;

private:
    std::string path_;
    long timeout_s_;
};

}  // namespace pmb
