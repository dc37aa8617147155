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
    explicit Mgrctl(std::string path) : path_(std::move(path)) {}

    // The argv and the extra environment for one call (exposed for tests).
    struct Invocation {
        std::vector<std::string> argv;
        std::vector<std::string> secret_env;  // NAME=value entries added to the environment
    };
    Invocation build(const std::string& func, const std::vector<MgrctlArg>& args) const;

    // Runs the function; throws pmb::Error(mgrctl) on a failed run or an <error> answer.
    XmlDoc call(const std::string& func, const std::vector<MgrctlArg>& args) const;

private:
    std::string path_;
};

}  // namespace pmb
