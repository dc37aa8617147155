// The module's own settings, etc/pmbillmgrssl.conf: one "Name value" per line, # comments.
#pragma once

#include <string>

#include "core/log.h"

namespace pmb {

struct Config {
    LogLevel log_level = LogLevel::kInfo;
    long connect_timeout_s = 10;
    long timeout_s = 60;
    std::string ca_file;  // empty: the system trust store
    std::string ca_path;
    long max_response_bytes = 64L * 1024 * 1024;
    int read_retries = 3;       // extra tries of read-only upstream calls
    long retry_delay_ms = 500;  // first backoff; doubles each try

    // Missing file: defaults. Unknown key or bad value: pmb::Error naming file and line.
    static Config load(const std::string& path);
    static Config parse(const std::string& text, const std::string& origin);
};

}  // namespace pmb
