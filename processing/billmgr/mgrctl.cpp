#include "billmgr/mgrctl.h"

#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <spawn.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <chrono>
#include <cstring>

#include "core/error.h"
#include "core/log.h"

extern char** environ;

namespace pmb {
namespace {

struct ChildOutput {
    int status = 0;
    std::string out;
    bool timed_out = false;
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

struct SpawnActions {
    posix_spawn_file_actions_t actions;
    posix_spawnattr_t attributes;
    SpawnActions(int pipe_read, int pipe_write) {
        posix_spawn_file_actions_init(&actions);
        posix_spawn_file_actions_addopen(&actions, 0, "/dev/null", O_RDONLY, 0);
        posix_spawn_file_actions_adddup2(&actions, pipe_write, 1);
        posix_spawn_file_actions_addclose(&actions, pipe_read);
        posix_spawn_file_actions_addclose(&actions, pipe_write);
        // A group of its own, so a timeout kills mgrctl and whatever it started.
        posix_spawnattr_init(&attributes);
        posix_spawnattr_setflags(&attributes, POSIX_SPAWN_SETPGROUP);
        posix_spawnattr_setpgroup(&attributes, 0);
    }
    ~SpawnActions() {
        posix_spawn_file_actions_destroy(&actions);
        posix_spawnattr_destroy(&attributes);
    }
};

// Reads the child's stdout until EOF; false when the deadline passed first.
bool read_until(int fd, std::chrono::steady_clock::time_point deadline, std::string& out) {
    char buf[65536];
    for (;;) {
        auto left = std::chrono::duration_cast<std::chrono::milliseconds>(
            deadline - std::chrono::steady_clock::now());
        if (left.count() <= 0)
            return false;
        pollfd p{fd, POLLIN, 0};
        int ready = poll(&p, 1, static_cast<int>(std::min<long long>(left.count(), 1000)));
        if (ready < 0 && errno != EINTR)
            return true;
        if (ready <= 0)
            continue;
        ssize_t n = read(fd, buf, sizeof buf);
        if (n < 0 && errno == EINTR)
            continue;
        if (n <= 0)
            return true;
        out.append(buf, static_cast<size_t>(n));
    }
}

// posix_spawn: no shell, so no quoting bugs; stdin is /dev/null, stdout is captured.
ChildOutput run_child(std::vector<std::string> argv, std::vector<std::string> env, long timeout_s) {
    int pipe_fds[2];
    if (pipe2(pipe_fds, O_CLOEXEC) != 0)
        throw Error(errtype::kMgrctl, "mgrctl", "", "pipe() failed");
    auto c_argv = c_strings(argv);
    auto c_env = c_strings(env);
    pid_t pid = 0;
    int rc = 0;
    {
        SpawnActions spawn(pipe_fds[0], pipe_fds[1]);
        rc = posix_spawn(&pid, c_argv[0], &spawn.actions, &spawn.attributes, c_argv.data(),
                         c_env.data());
    }
    close(pipe_fds[1]);
    if (rc != 0) {
        close(pipe_fds[0]);
        throw Error(errtype::kMgrctl, "mgrctl", argv[0],
                    "cannot run " + argv[0] + ": " + std::strerror(rc));
    }
    ChildOutput result;
    const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(timeout_s);
    result.timed_out = !read_until(pipe_fds[0], deadline, result.out);
    close(pipe_fds[0]);
    if (result.timed_out)
        kill(-pid, SIGKILL);
    while (waitpid(pid, &result.status, 0) < 0 && errno == EINTR) {
    }
    return result;
}

void check_size(const std::string& func, const std::string& name, const std::string& text) {
    if (text.size() + 1 <= Mgrctl::kMaxArgBytes)
        return;
    throw Error(errtype::kMgrctl, func, name,
                "cannot pass " + name + " to BILLmanager function " + func + ": it is " +
                    std::to_string(text.size()) + " bytes, over the system limit of " +
                    std::to_string(Mgrctl::kMaxArgBytes) + " bytes for one value");
}

void throw_if_error_answer(const std::string& func, const XmlDoc& answer) {
    auto error = answer.root().child("error");
    if (!error)
        return;
    std::string msg = error->child_text("msg");
    // The field the panel refused, when it names one: callers tell a refused param by it.
    std::string object = error->attr("object").value_or("");
    if (!object.empty())
        msg += (msg.empty() ? "" : " ") + std::string("(") + object + ")";
    throw Error(errtype::kMgrctl, func, error->attr("type").value_or(""),
                "BILLmanager function " + func + " failed: " + (msg.empty() ? "error" : msg));
}

// A panel that answers a half-written or plain-text reply: the error names the function, so
// staff can tell which BILLmanager call broke (its text stays in the debug log only).
XmlDoc parse_answer(const std::string& func, const std::string& out) {
    try {
        return XmlDoc::parse(out, errtype::kMgrctl);
    } catch (const Error&) {
        throw Error(errtype::kMgrctl, func, "",
                    "BILLmanager function " + func + " failed: mgrctl answered " +
                        (out.empty() ? "nothing" : "something that is not XML"));
    }
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
    std::vector<std::string> env_options;
    for (const auto& arg : args) {
        if (!arg.secret) {
            inv.argv.push_back(arg.name + "=" + arg.value);
            check_size(func, arg.name, inv.argv.back());
            continue;
        }
        std::string var = "PMBILLMGRSSL_SECRET_" + std::to_string(inv.secret_env.size() + 1);
        env_options.push_back("-e");
        env_options.push_back(arg.name + "=$" + var);
        inv.secret_env.push_back(var + "=" + arg.value);
        check_size(func, arg.name, inv.secret_env.back());
    }
    inv.argv.insert(inv.argv.end(), env_options.begin(), env_options.end());
    return inv;
}

XmlDoc Mgrctl::call(const std::string& func, const std::vector<MgrctlArg>& args) const {
    Invocation inv = build(func, args);
    log_info("mgrctl" + loggable_args(inv.argv));
    ChildOutput child = run_child(inv.argv, environment_with(inv.secret_env), timeout_s_);
    if (child.timed_out)
        throw Error(errtype::kMgrctl, func, "timeout",
                    "BILLmanager function " + func + " did not finish within " +
                        std::to_string(timeout_s_) + " s (MgrctlTimeout): mgrctl was stopped");
    log_debug("mgrctl " + func + " answered: " + child.out);
    if (!WIFEXITED(child.status) || WEXITSTATUS(child.status) != 0)
        throw Error(errtype::kMgrctl, func, "",
                    "BILLmanager function " + func + " failed: mgrctl exited abnormally");
    XmlDoc answer = parse_answer(func, child.out);
    throw_if_error_answer(func, answer);
    return answer;
}

}  // namespace pmb
