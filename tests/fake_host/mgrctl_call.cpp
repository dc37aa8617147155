#include "mgrctl_call.h"

#include <map>
#include <stdexcept>

namespace pmtest {
namespace {

bool takes_value(const std::string& option) {
    return option == "-m" || option == "-o" || option == "-e";
}

std::optional<EnvReference> parse_env_reference(const std::string& arg) {
    size_t eq = arg.find('=');
    if (eq == std::string::npos || eq == 0)
        return std::nullopt;
    std::string ref = arg.substr(eq + 1);
    if (ref.size() < 2 || ref[0] != '$')
        return std::nullopt;
    std::string variable = ref.substr(1);
    if (variable.front() == '{') {
        if (variable.back() != '}')
            return std::nullopt;
        variable = variable.substr(1, variable.size() - 2);
    }
    if (variable.empty())
        return std::nullopt;
    return EnvReference{arg.substr(0, eq), variable};
}

std::pair<std::string, std::string> split_key_value(const std::string& arg) {
    size_t eq = arg.find('=');
    if (eq == std::string::npos)
        return {arg, ""};
    return {arg.substr(0, eq), arg.substr(eq + 1)};
}

// Calls `on_option(option, value)` for options and `on_word(word)` for positional args.
void walk_argv(const std::vector<std::string>& argv,
               const std::function<void(const std::string&, const std::string&)>& on_option,
               const std::function<void(const std::string&)>& on_word) {
    for (size_t i = 0; i < argv.size(); ++i) {
        const std::string& arg = argv[i];
        if (takes_value(arg) && i + 1 < argv.size()) {
            on_option(arg, argv[i + 1]);
            ++i;
        } else if (arg.size() > 1 && arg[0] == '-') {
            on_option(arg, "");
        } else {
            on_word(arg);
        }
    }
}

}  // namespace

std::string MgrctlCall::param(const std::string& name) const {
    std::string value;
    for (const auto& [key, v] : params) {
        if (key == name)
            value = v;
    }
    return value;
}

bool MgrctlCall::has(const std::string& name) const {
    for (const auto& entry : params) {
        if (entry.first == name)
            return true;
    }
    return false;
}

std::vector<EnvReference> env_references(const std::vector<std::string>& argv) {
    std::vector<EnvReference> refs;
    walk_argv(
        argv,
        [&](const std::string& option, const std::string& value) {
            if (option != "-e")
                return;
            if (auto ref = parse_env_reference(value))
                refs.push_back(*ref);
        },
        [](const std::string&) {});
    return refs;
}

std::optional<std::string> find_env_problem(const std::vector<std::string>& argv,
                                            const EnvResolver& resolve) {
    std::optional<std::string> problem;
    walk_argv(
        argv,
        [&](const std::string& option, const std::string& value) {
            if (option != "-e" || problem)
                return;
            auto ref = parse_env_reference(value);
            if (!ref) {
                problem = "malformed -e argument '" + value + "', expected name=$VARIABLE";
            } else if (!resolve(ref->variable)) {
                problem = "environment variable " + ref->variable + " is not set";
            }
        },
        [](const std::string&) {});
    return problem;
}

MgrctlCall interpret_mgrctl_argv(const std::vector<std::string>& argv, const EnvResolver& resolve) {
    MgrctlCall call;
    call.argv = argv;
    walk_argv(
        argv,
        [&](const std::string& option, const std::string& value) {
            if (option != "-e")
                return;
            auto ref = parse_env_reference(value);
            if (!ref)
                return;
            call.params.emplace_back(ref->param, resolve(ref->variable).value_or(""));
            call.env_params.push_back(ref->param);
        },
        [&](const std::string& word) {
            if (call.func.empty()) {
                call.func = word;
            } else {
                call.params.push_back(split_key_value(word));
            }
        });
    return call;
}

std::vector<std::string> call_record(const std::vector<std::string>& argv,
                                     const EnvResolver& resolve) {
    std::vector<std::string> fields = {std::to_string(argv.size())};
    fields.insert(fields.end(), argv.begin(), argv.end());
    for (const EnvReference& ref : env_references(argv)) {
        fields.insert(fields.end(), {ref.param, ref.variable, resolve(ref.variable).value_or("")});
    }
    return fields;
}

MgrctlCall call_from_record(const std::vector<std::string>& fields) {
    size_t argc = std::stoul(fields.at(0));
    if (fields.size() < 1 + argc)
        throw std::runtime_error("truncated mgrctl call record");
    std::vector<std::string> argv(fields.begin() + 1, fields.begin() + 1 + argc);
    std::map<std::string, std::string> recorded_env;
    for (size_t i = 1 + argc; i + 2 < fields.size(); i += 3) {
        recorded_env[fields[i + 1]] = fields[i + 2];
    }
    return interpret_mgrctl_argv(argv, [&](const std::string& variable) {
        auto it = recorded_env.find(variable);
        return it == recorded_env.end() ? std::nullopt : std::optional<std::string>(it->second);
    });
}

}  // namespace pmtest
