#include "core/log.h"

#include <unistd.h>

#include <cerrno>
#include <cstdio>
#include <cstring>
#include <ctime>

#include "core/error.h"
#include "core/paths.h"
#include "core/scrub.h"

namespace pmb {
namespace {

struct LogState {
    std::string path;
    LogLevel level = LogLevel::kInfo;
    bool warned_unwritable = false;
};

LogState& state() {
    static LogState s;
    return s;
}

const char* level_name(LogLevel level) {
    switch (level) {
        case LogLevel::kError:
            return "ERROR";
        case LogLevel::kWarning:
            return "WARNING";
        case LogLevel::kInfo:
            return "INFO";
        case LogLevel::kDebug:
            return "DEBUG";
    }
    return "INFO";
}

// One event per line: embedded newlines (PEM, XML bodies) are escaped.
std::string one_line(const std::string& message) {
    std::string out;
    out.reserve(message.size());
    for (char c : message) {
        if (c == '\n') {
            out += "\\n";
        } else if (c != '\r') {
            out += c;
        }
    }
    return out;
}

// Once per run: BILLmanager keeps a module's stderr in its own log, where an admin looks when
// this log stays empty.
void warn_unwritable(int error) {
    if (state().warned_unwritable)
        return;
    state().warned_unwritable = true;
    std::string warning = "pmbillmgrssl: cannot write the log " + state().path + ": " +
                          std::strerror(error) + "; its lines are lost\n";
    std::fputs(warning.c_str(), stderr);
}

// The log's folder (var/ of a fresh root), made on the first line; false when it cannot be.
bool made_log_directory() {
    const std::string& path = state().path;
    try {
        ensure_directory(path.substr(0, path.rfind('/')), "log directory");
        return true;
    } catch (const Error& e) {
        if (!state().warned_unwritable)
            std::fputs(("pmbillmgrssl: " + e.message() + "\n").c_str(), stderr);
        state().warned_unwritable = true;
        return false;
    }
}

}  // namespace

LogLevel parse_log_level(const std::string& name) {
    if (name == "error")
        return LogLevel::kError;
    if (name == "warning")
        return LogLevel::kWarning;
    if (name == "info")
        return LogLevel::kInfo;
    if (name == "debug")
        return LogLevel::kDebug;
    throw Error(errtype::kConfig, "LogLevel", name,
                "LogLevel must be one of error, warning, info, debug");
}

void Log::open(const std::string& path, LogLevel level) {
    state().path = path;
    state().level = level;
    state().warned_unwritable = false;  // once per log: another file deserves its own warning
}

bool Log::enabled(LogLevel level) {
    return !state().path.empty() && static_cast<int>(level) <= static_cast<int>(state().level);
}

std::string Log::format_line(LogLevel level, const std::string& message, long pid) {
    std::time_t now = std::time(nullptr);
    std::tm local{};
    localtime_r(&now, &local);
    char stamp[32];
    std::strftime(stamp, sizeof stamp, "%b %e %H:%M:%S", &local);
    std::string day_fixed(stamp);
    // %e pads the day with a space ("Nov  7"); BILLmanager writes "Nov 7".
    if (day_fixed.size() > 4 && day_fixed[4] == ' ')
        day_fixed.erase(4, 1);
    return day_fixed + " [" + std::to_string(pid) + "] pmbillmgrssl " + level_name(level) + " " +
           one_line(message) + "\n";
}

void Log::write(LogLevel level, const std::string& message) {
    if (!enabled(level))
        return;
    std::string line = format_line(level, Scrubber::global().clean(message), getpid());
    // Append with one write so lines of concurrent module runs never interleave.
    std::FILE* f = std::fopen(state().path.c_str(), "a");
    if (!f && errno == ENOENT && made_log_directory())
        f = std::fopen(state().path.c_str(), "a");
    if (!f)
        return warn_unwritable(errno);
    size_t written = std::fwrite(line.data(), 1, line.size(), f);
    int write_error = written == line.size() ? 0 : errno;
    if (std::fclose(f) != 0 && write_error == 0)
        write_error = errno;
    if (write_error != 0)
        warn_unwritable(write_error);
}

}  // namespace pmb
