// Child processes for tests: run to completion, or keep running in the background.
#pragma once

#include <sys/types.h>

#include <chrono>
#include <functional>
#include <map>
#include <optional>
#include <string>
#include <vector>

namespace pmtest {

struct RunResult {
    int exit_code = -1;  // -1 when killed by a signal
    int signal = 0;      // the signal that ended it, 0 if it exited
    std::string out;
    std::string err;
    bool timed_out = false;
};

struct RunOptions {
    std::map<std::string, std::string> env_set;  // added to (or replacing in) the inherited env
    std::vector<std::string> env_unset;
    std::string stdin_data;
    std::string cwd;
    std::chrono::milliseconds timeout{60000};
};

// Runs argv[0] (searched in PATH) with argv, waits for it, captures stdout/stderr.
RunResult run(const std::vector<std::string>& argv, const RunOptions& options = {});

// A process that keeps running; killed (with its process group) on destruction.
class Child {
public:
    Child() = default;
    Child(const std::vector<std::string>& argv, const RunOptions& options);
    Child(Child&& other) noexcept;
    Child& operator=(Child&& other) noexcept;
    Child(const Child&) = delete;
    Child& operator=(const Child&) = delete;
    ~Child();

    pid_t pid() const { return pid_; }
    // Reads one line of stdout (without '\n'); nullopt on EOF or timeout.
    std::optional<std::string> read_line(std::chrono::milliseconds timeout);
    // Sends a signal to the child's whole process group.
    void signal_group(int sig);
    // Waits for exit; returns the exit code, or -signal when killed (also after running()
    // saw it end).
    int wait();
    bool running();

private:
    pid_t pid_ = -1;
    int exit_code_ = -1;
    int out_fd_ = -1;
    std::string buffer_;
};

// Polls `condition` every 50 ms until it holds (true) or `limit` passes (false). Tests wait
// for an observable state this way rather than sleeping a guessed time, which flakes on a
// loaded machine.
bool wait_until(const std::function<bool()>& condition,
                std::chrono::milliseconds limit = std::chrono::seconds(20));

std::string read_file(const std::string& path);
void write_file(const std::string& path, const std::string& content, int mode = 0644);
// A fresh directory under $TMPDIR (or /tmp), removed by remove_tree.
std::string make_temp_dir(const std::string& prefix);
void remove_tree(const std::string& path);

}  // namespace pmtest
