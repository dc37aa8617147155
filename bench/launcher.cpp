// pmbillmgrssl_bench_launcher REPORT_FILE PROGRAM [ARG...]
//
// The benchmark's measuring parent. Both fork() and vfork()/posix_spawn() count the parent's
// resident pages towards the child's ru_maxrss until exec, so a big parent (the benchmark,
// with its fake host and upstream clients) would hide a small child. This process is tiny:
// it forks, execs PROGRAM with the inherited stdin/stdout/stderr, cwd and environment,
// reaps it with wait4() and writes "exit_code signal wall_ns maxrss_kb\n" to REPORT_FILE.
// The wall time is steady_clock from just before fork() to wait4() returning.
#include <fcntl.h>
#include <sys/resource.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>
#include <chrono>
#include <cstdio>
#include <cstdlib>

int main(int argc, char** argv) {
    if (argc < 3) {
        std::fprintf(stderr, "usage: %s REPORT_FILE PROGRAM [ARG...]\n", argv[0]);
        return 2;
    }
    const int result_fd = open(argv[1], O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
    if (result_fd < 0) {
        std::perror("pmbillmgrssl_bench_launcher: REPORT_FILE");
        return 2;
    }
    const auto start = std::chrono::steady_clock::now();
    const pid_t pid = fork();
    if (pid < 0) {
        std::perror("pmbillmgrssl_bench_launcher: fork");
        return 2;
    }
    if (pid == 0) {
        execv(argv[2], argv + 2);
        _exit(127);
    }
    int status = 0;
    rusage usage{};
    while (wait4(pid, &status, 0, &usage) < 0) {
        if (errno != EINTR) {
            std::perror("pmbillmgrssl_bench_launcher: wait4");
            return 2;
        }
    }
    const long long ns = std::chrono::duration_cast<std::chrono::nanoseconds>(
                             std::chrono::steady_clock::now() - start)
                             .count();
    const int exit_code = WIFEXITED(status) ? WEXITSTATUS(status) : -1;
    const int signal = WIFSIGNALED(status) ? WTERMSIG(status) : 0;
    char line[128];
    const int n = std::snprintf(line, sizeof line, "%d %d %lld %ld\n", exit_code, signal, ns,
                                usage.ru_maxrss);
    return write(result_fd, line, static_cast<size_t>(n)) == n ? 0 : 2;
}
