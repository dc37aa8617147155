#include "billmgr/mgrctl.h"

#include <fcntl.h>
#include <spawn.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>

#include "core/error.h"
#include "core/log.h"

extern char** environ;

namespace pmb {
namespace {

struct ChildOutput {
    int status = 0;
    std::string out;
};

std::vector<char*> c_strings(std::vector<std::string>& strings) {
    std::vector<char*> out;
    for (auto& s : strings)
        out.push_back(s.data());
    out.push_back(nullptr);
    return out;
}

std::vector<std::string> environment_with(const std::vector<std::string>& extra) {
    std::vector<std::string> env;
    for (char** e = environ; *e; ++e)
        env.emplace_back(*e);
    env.insert(env.end(), extra.begin(), extra.end());
    return env;
}

// posix_spawn: no shell, so no quoting bugs; stdin is /dev/null, stdout is captured.
ChildOutput run_child(std::vector<std::string> argv, std::vector<std::string> env) {
    int pipe_fds[2];
    if (pipe(pipe_fds) != 0)
        throw Error(errtype::kMgrctl, "mgrctl", "", "pipe() failed");
    posix_spawn_file_actions_t actions;
    posix_spawn_file_actions_init(&actions);
    posix_spawn_file_actions_addopen(&actions, 0, "/dev/null", O_RDONLY, 0);
    posix_spawn_file_actions_adddup2(&actions, pipe_fds[1], 1);
    posix_spawn_file_actions_addclose(&actions, pipe_fds[0]);
    posix_spawn_file_actions_addclose(&actions, pipe_fds[1]);
    auto c_argv = c_strings(argv);
    auto c_env = c_strings(env);
    pid_t pid = 0;
    int rc = posix_spawn(&pid, c_argv[0], &actions, nullptr, c_argv.data(), c_env.data());
    posix_spawn_file_actions_destroy(&actions);
    close(pipe_fds[1]);
    if (rc != 0) {
        close(pipe_fds[0]);
        throw Error(errtype::kMgrctl, "mgrctl", argv[0],
                    "cannot run " + argv[0] + ": " + std::strerror(rc));
    }
    ChildOutput result;
    char buf[65536];
    for (ssize_t n; (n = read(pipe_fds[0], buf, sizeof buf)) != 0;) {
        if (n < 0 && errno == EINTR)
            continue;
        if (n < 0)
            break;
        result.out.append(buf, static_cast<size_t>(n));
    }
    close(pipe_fds[0]);
    while (waitpid(pid, &result.status, 0) < 0 && errno == EINTR) {
    }
    return result;
}

void throw_if_error_answer(const std::string& func, const XmlDoc& answer) {
    auto error = answer.root().child("error");
    if (!error)
        return;
    std::string msg = error->child_text("msg");
    throw Error(errtype::kMgrctl, func, error->attr("type").value_or(""),
                "BILLmanager function " + func + " failed: " + (msg.empty() ? "error" : msg));
}

// Long values (certificates, error XML) are cut: the log records what was called, not payloads.
std::string loggable_args(const std::vector<std::string>& argv) {
    std::string shown;
    for (size_t i = 5; i < argv.size(); ++i) {
        const std::string& arg = argv[i];
        shown += " " + (arg.size() > 120 ? arg.substr(0, 120) + "…" : arg);
    }
    return shown;
}

}  // namespace

Mgrctl::Invocation Mgrctl::build(const std::string& func,
                                 const std::vector<MgrctlArg>& args) const {
    Invocation inv;
    inv.argv = {path_, "-m", "billmgr", "-o", "xml", func};
    int secret_no = 0;
    for (const auto& arg : args) {
        if (!arg.secret) {
            inv.argv.push_back(arg.name + "=" + arg.value);
            continue;
        }
        std::string var = "PMBILLMGRSSL_SECRET_" + std::to_string(++secret_no);
        inv.argv.push_back("-e");
        inv.argv.push_back(arg.name + "=$" + var);
        inv.secret_env.push_back(var + "=" + arg.value);
    }
    return inv;
}

XmlDoc Mgrctl::call(const std::string& func, const std::vector<MgrctlArg>& args) const {
    Invocation inv = build(func, args);
    log_info("mgrctl" + loggable_args(inv.argv));
    ChildOutput child = run_child(inv.argv, environment_with(inv.secret_env));
    log_debug("mgrctl " + func + " answered: " + child.out);
    if (!WIFEXITED(child.status) || WEXITSTATUS(child.status) != 0)
        throw Error(errtype::kMgrctl, func, "",
                    "BILLmanager function " + func + " failed: mgrctl exited abnormally");
    XmlDoc answer = XmlDoc::parse(child.out, errtype::kMgrctl);
    throw_if_error_answer(func, answer);
    return answer;
}

}  // namespace pmb
