#include "core/config.h"

#include <fstream>
#include <functional>
#include <map>
#include <sstream>

#include "core/error.h"

namespace pmb {
namespace {

long parse_number(const std::string& key, const std::string& value, long min, long max) {
    size_t used = 0;
    long n = 0;
    try {
        n = std::stol(value, &used);
    } catch (const std::exception&) {
        used = 0;
    }
    if (used == 0 || used != value.size() || n < min || n > max)
        throw Error(errtype::kConfig, key, value,
                    key + " must be a whole number from " + std::to_string(min) + " to " +
                        std::to_string(max));
    return n;
}

using Setter = std::function<void(Config&, const std::string&)>;

const std::map<std::string, Setter>& setters() {
    static const std::map<std::string, Setter> table = {
        {"LogLevel", [](Config& c, const std::string& v) { c.log_level = parse_log_level(v); }},
        {"ConnectTimeout",
         [](Config& c, const std::string& v) {
             c.connect_timeout_s = parse_number("ConnectTimeout", v, 1, 600);
         }},
        {"Timeout",
         [](Config& c, const std::string& v) {
             c.timeout_s = parse_number("Timeout", v, 1, 3600);
         }},
        {"CAFile", [](Config& c, const std::string& v) { c.ca_file = v; }},
        {"CAPath", [](Config& c, const std::string& v) { c.ca_path = v; }},
        {"MaxResponseBytes",
         [](Config& c, const std::string& v) {
             c.max_response_bytes = parse_number("MaxResponseBytes", v, 1024, 1L << 32);
         }},
        {"ReadRetries",
         [](Config& c, const std::string& v) {
             c.read_retries = static_cast<int>(parse_number("ReadRetries", v, 0, 10));
         }},
        {"RetryDelayMs",
         [](Config& c, const std::string& v) {
             c.retry_delay_ms = parse_number("RetryDelayMs", v, 0, 60000);
         }},
    };
    return table;
}

std::string trim(const std::string& s) {
    size_t b = s.find_first_not_of(" \t\r");
    if (b == std::string::npos)
        return {};
    size_t e = s.find_last_not_of(" \t\r");
    return s.substr(b, e - b + 1);
}

}  // namespace

Config Config::parse(const std::string& text, const std::string& origin) {
    Config config;
    std::istringstream in(text);
    std::string raw;
    for (int line_no = 1; std::getline(in, raw); ++line_no) {
        std::string line = trim(raw);
        if (line.empty() || line[0] == '#')
            continue;
        size_t gap = line.find_first_of(" \t");
        std::string key = line.substr(0, gap);
        std::string value = gap == std::string::npos ? "" : trim(line.substr(gap));
        std::string where = origin + ":" + std::to_string(line_no);
        auto setter = setters().find(key);
        if (setter == setters().end())
            throw Error(errtype::kConfig, key, where, where + ": unknown setting '" + key + "'");
        if (value.empty())
            throw Error(errtype::kConfig, key, where, where + ": '" + key + "' needs a value");
        try {
            setter->second(config, value);
        } catch (const Error& e) {
            throw Error(errtype::kConfig, key, value, where + ": " + e.message());
        }
    }
    return config;
}

Config Config::load(const std::string& path) {
    std::ifstream in(path);
    if (!in)
        return Config{};
    std::stringstream text;
    text << in.rdbuf();
    return parse(text.str(), path);
}

}  // namespace pmb
