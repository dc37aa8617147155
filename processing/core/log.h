// The module log, var/pmbillmgrssl.log, in BILLmanager's line format:
//   Mon d HH:MM:SS [pid] pmbillmgrssl LEVEL message
// Every message passes the global Scrubber first, so no caller can leak a secret by accident.
#pragma once

#include <string>

namespace pmb {

enum class LogLevel { kError = 0, kWarning = 1, kInfo = 2, kDebug = 3 };

// Parses error|warning|info|debug; throws pmb::Error(config) otherwise.
LogLevel parse_log_level(const std::string& name);

class Log {
public:
    // Until open() is called, nothing is written (features must not need a writable root).
    static void open(const std::string& path, LogLevel level);
    static bool enabled(LogLevel level);
    static void write(LogLevel level, const std::string& message);
    // The exact line written for a message, without the scrubbing (used by tests).
    static std::string format_line(LogLevel level, const std::string& message, long pid);
};

inline void log_error(const std::string& m) {
    Log::write(LogLevel::kError, m);
}
inline void log_warning(const std::string& m) {
    Log::write(LogLevel::kWarning, m);
}
inline void log_info(const std::string& m) {
    Log::write(LogLevel::kInfo, m);
}
inline void log_debug(const std::string& m) {
    Log::write(LogLevel::kDebug, m);
}

}  // namespace pmb
