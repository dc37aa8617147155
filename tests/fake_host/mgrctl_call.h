// One mgrctl invocation as BILLmanager would see it: `-m billmgr -o xml FUNC k=v … -e 'k=$VAR'`.
#pragma once

#include <functional>
#include <optional>
#include <string>
#include <utility>
#include <vector>

namespace pmtest {

struct MgrctlCall {
    std::vector<std::string> argv;  // as passed to mgrctl (after the wrapper's --root R)
    std::string func;
    // k=v args and resolved -e params, in argv order.
    std::vector<std::pair<std::string, std::string>> params;
    std::vector<std::string> env_params;  // names of the params that came via -e

    // The last value given for `name`; empty when absent.
    std::string param(const std::string& name) const;
    bool has(const std::string& name) const;
};

// `-e 'k=$VAR'` (or `k=${VAR}`): the param name and the environment variable it reads.
struct EnvReference {
    std::string param;
    std::string variable;
};

using EnvResolver = std::function<std::optional<std::string>(const std::string& variable)>;

// Every well-formed -e reference in argv, in order.
std::vector<EnvReference> env_references(const std::vector<std::string>& argv);
// Why the -e args cannot be honoured (malformed, or the variable is unset); nullopt if fine.
std::optional<std::string> find_env_problem(const std::vector<std::string>& argv,
                                            const EnvResolver& resolve);
// Splits argv into func and params; unresolvable -e params read as empty.
MgrctlCall interpret_mgrctl_argv(const std::vector<std::string>& argv, const EnvResolver& resolve);

// The call log record: argc, argv…, then (param, variable, resolved value) per -e.
std::vector<std::string> call_record(const std::vector<std::string>& argv,
                                     const EnvResolver& resolve);
MgrctlCall call_from_record(const std::vector<std::string>& fields);

}  // namespace pmtest
