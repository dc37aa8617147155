#include "process.h"

#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>
#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <stdexcept>
#include <thread>

extern char** environ;

namespace pmtest {
namespace {

std::vector<std::string> build_env(const RunOptions& options) {
    std::map<std::string, std::string> env;
    for (char** e = environ; *e; ++e) {
        std::string entry(*e);
        auto eq = entry.find('=');
        if (eq != std::string::npos)
            env[entry.substr(0, eq)] = entry.substr(eq + 1);
    }
    for (const auto& name : options.env_unset)
        env.erase(name);
    for (const auto& [name, value] : options.env_set)
        env[name] = value;
    std::vector<std::string> out;
    for (const auto& [name, value] : env)
        out.push_back(name + "=" + value);
    return out;
}

std::vector<char*> c_strings(std::vector<std::string>& strings) {
    std::vector<char*> out;
    for (auto& s : strings)
        out.push_back(s.data());
    out.push_back(nullptr);
    return out;
}

struct Pipes {
    int in[2] = {-1, -1};
    int out[2] = {-1, -1};
    int err[2] = {-1, -1};
};

// Forks and execs; the child gets its own process group so tests can kill the whole tree.
pid_t spawn(const std::vector<std::string>& argv, const RunOptions& options, Pipes& pipes) {
    if (pipe2(pipes.in, O_CLOEXEC) || pipe2(pipes.out, O_CLOEXEC) || pipe2(pipes.err, O_CLOEXEC))
        throw std::runtime_error("pipe failed");
    std::vector<std::string> args = argv;
    std::vector<std::string> env = build_env(options);
    auto c_args = c_strings(args);
    auto c_env = c_strings(env);
    pid_t pid = fork();
    if (pid < 0)
        throw std::runtime_error("fork failed");
    if (pid == 0) {
        setpgid(0, 0);
        dup2(pipes.in[0], 0);
        dup2(pipes.out[1], 1);
        dup2(pipes.err[1], 2);
        if (!options.cwd.empty() && chdir(options.cwd.c_str()) != 0)
            _exit(126);
        environ = c_env.data();
        execvp(c_args[0], c_args.data());
        _exit(127);
    }
    setpgid(pid, pid);
    close(pipes.in[0]);
    close(pipes.out[1]);
    close(pipes.err[1]);
    return pid;
}

void write_all(int fd, const std::string& data) {
    signal(SIGPIPE, SIG_IGN);
    size_t done = 0;
    while (done < data.size()) {
        ssize_t n = write(fd, data.data() + done, data.size() - done);
        if (n <= 0)
            return;
        done += static_cast<size_t>(n);
    }
}

void decode_status(int status, RunResult& result) {
    if (WIFEXITED(status)) {
        result.exit_code = WEXITSTATUS(status);
    } else if (WIFSIGNALED(status)) {
        result.signal = WTERMSIG(status);
    }
}

}  // namespace

RunResult run(const std::vector<std::string>& argv, const RunOptions& options) {
    Pipes pipes;
    pid_t pid = spawn(argv, options, pipes);
    write_all(pipes.in[1], options.stdin_data);
    close(pipes.in[1]);
    RunResult result;
    auto deadline = std::chrono::steady_clock::now() + options.timeout;
    pollfd fds[2] = {{pipes.out[0], POLLIN, 0}, {pipes.err[0], POLLIN, 0}};
    std::string* sinks[2] = {&result.out, &result.err};
    int open_fds = 2;
    while (open_fds > 0) {
        auto left = std::chrono::duration_cast<std::chrono::milliseconds>(
            deadline - std::chrono::steady_clock::now());
        if (left.count() <= 0) {
            result.timed_out = true;
            kill(-pid, SIGKILL);
            break;
        }
        if (poll(fds, 2, static_cast<int>(left.count())) < 0 && errno != EINTR)
            break;
        for (int i = 0; i < 2; ++i) {
            if (fds[i].fd < 0 || !(fds[i].revents & (POLLIN | POLLHUP | POLLERR)))
                continue;
            char buf[65536];
            ssize_t n = read(fds[i].fd, buf, sizeof buf);
            if (n > 0) {
                sinks[i]->append(buf, static_cast<size_t>(n));
            } else {
                close(fds[i].fd);
                fds[i].fd = -1;
                --open_fds;
            }
        }
    }
    for (auto& fd : fds)
        if (fd.fd >= 0)
            close(fd.fd);
    int status = 0;
    waitpid(pid, &status, 0);
    decode_status(status, result);
    return result;
}

Child::Child(const std::vector<std::string>& argv, const RunOptions& options) {
    Pipes pipes;
    pid_ = spawn(argv, options, pipes);
    write_all(pipes.in[1], options.stdin_data);
    close(pipes.in[1]);
    close(pipes.err[0]);  // stderr of long-running helpers goes nowhere; they log to files
    out_fd_ = pipes.out[0];
}

Child::Child(Child&& other) noexcept {
    *this = std::move(other);
}

Child& Child::operator=(Child&& other) noexcept {
    std::swap(pid_, other.pid_);
    std::swap(out_fd_, other.out_fd_);
    std::swap(exit_code_, other.exit_code_);
    std::swap(buffer_, other.buffer_);
    return *this;
}

Child::~Child() {
    if (pid_ > 0 && running()) {
        signal_group(SIGKILL);
        wait();
    }
    if (out_fd_ >= 0)
        close(out_fd_);
}

std::optional<std::string> Child::read_line(std::chrono::milliseconds timeout) {
    auto deadline = std::chrono::steady_clock::now() + timeout;
    for (;;) {
        auto nl = buffer_.find('\n');
        if (nl != std::string::npos) {
            std::string line = buffer_.substr(0, nl);
            buffer_.erase(0, nl + 1);
            return line;
        }
        auto left = std::chrono::duration_cast<std::chrono::milliseconds>(
            deadline - std::chrono::steady_clock::now());
        if (left.count() <= 0 || out_fd_ < 0)
            return std::nullopt;
        pollfd fd{out_fd_, POLLIN, 0};
        if (poll(&fd, 1, static_cast<int>(left.count())) <= 0)
            continue;
        char buf[4096];
        ssize_t n = read(out_fd_, buf, sizeof buf);
        if (n <= 0)
            return std::nullopt;
        buffer_.append(buf, static_cast<size_t>(n));
    }
}

void Child::signal_group(int sig) {
    if (pid_ > 0)
        kill(-pid_, sig);
}

namespace {

int exit_code_of(int status) {
    if (WIFEXITED(status))
        return WEXITSTATUS(status);
    return WIFSIGNALED(status) ? -WTERMSIG(status) : -1;
}

}  // namespace

int Child::wait() {
    if (pid_ <= 0)
        return exit_code_;
    int status = 0;
    waitpid(pid_, &status, 0);
    pid_ = -1;
    exit_code_ = exit_code_of(status);
    return exit_code_;
}

bool Child::running() {
    if (pid_ <= 0)
        return false;
    int status = 0;
    pid_t r = waitpid(pid_, &status, WNOHANG);
    if (r == 0)
        return true;
    pid_ = -1;
    exit_code_ = r > 0 ? exit_code_of(status) : -1;
    return false;
}

bool wait_until(const std::function<bool()>& condition, std::chrono::milliseconds limit) {
    const auto deadline = std::chrono::steady_clock::now() + limit;
    while (!condition()) {
        if (std::chrono::steady_clock::now() >= deadline)
            return false;
        std::this_thread::sleep_for(std::chrono::milliseconds(50));
    }
    return true;
}

std::string read_file(const std::string& path) {
    std::ifstream in(path, std::ios::binary);
    std::stringstream ss;
    ss << in.rdbuf();
    return ss.str();
}

void write_file(const std::string& path, const std::string& content, int mode) {
    {
        std::ofstream out(path, std::ios::binary | std::ios::trunc);
        if (!out)
            throw std::runtime_error("cannot write " + path);
        out << content;
    }
    chmod(path.c_str(), static_cast<mode_t>(mode));
}

std::string make_temp_dir(const std::string& prefix) {
    const char* base = std::getenv("TMPDIR");
    std::string tmpl = std::string(base && *base ? base : "/tmp") + "/" + prefix + "XXXXXX";
    if (!mkdtemp(tmpl.data()))
        throw std::runtime_error("mkdtemp failed");
    return tmpl;
}

void remove_tree(const std::string& path) {
    std::error_code ec;
    std::filesystem::remove_all(path, ec);
}

}  // namespace pmtest
