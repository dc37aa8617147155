#include "core/config.h"

#include <cctype>
#include <fstream>
#include <functional>
#include <map>
#include <sstream>

#include "core/error.h"
#include "core/text.h"

namespace pmb {
namespace {

long number_in_range(const std::string& key, const std::string& value, long min, long max) {
    std::optional<long long> n = parse_number(value);
    if (!n || *n < min || *n > max)
        throw Error(errtype::kConfig, key, value,
                    key + " must be a whole number from " + std::to_string(min) + " to " +
                        std::to_string(max));
    return static_cast<long>(*n);
}

// A BILLmanager function name (certificate.dcv.email): it goes into every request as func=.
std::string function_name(const std::string& key, const std::string& value) {
    for (char c : value)
        if (!std::isalnum(static_cast<unsigned char>(c)) && c != '.' && c != '_' && c != '-')
            throw Error(errtype::kConfig, key, value,
                        key + " must be an upstream function name (letters, digits, . _ -)");
    return value;
}

using Setter = std::function<void(Config&, const std::string&)>;

const std::map<std::string, Setter>& setters() {
    static const std::map<std::string, Setter> table = {
        {"LogLevel", [](Config& c, const std::string& v) { c.log_level = parse_log_level(v); }},
        {"ConnectTimeout",
         [](Config& c, const std::string& v) {
             c.connect_timeout_s = number_in_range("ConnectTimeout", v, 1, 600);
         }},
        {"Timeout",
         [](Config& c, const std::string& v) {
             c.timeout_s = number_in_range("Timeout", v, 1, 3600);
         }},
        {"CAFile", [](Config& c, const std::string& v) { c.ca_file = v; }},
        {"CAPath", [](Config& c, const std::string& v) { c.ca_path = v; }},
        {"MaxResponseBytes",
         [](Config& c, const std::string& v) {
             c.max_response_bytes = number_in_range("MaxResponseBytes", v, 1024, 1L << 32);
         }},
        {"ReadRetries",
         [](Config& c, const std::string& v) {
             c.read_retries = static_cast<int>(number_in_range("ReadRetries", v, 0, 10));
         }},
        {"RetryDelayMs",
         [](Config& c, const std::string& v) {
             c.retry_delay_ms = number_in_range("RetryDelayMs", v, 0, 60000);
         }},
        {"CommandBudget",
         [](Config& c, const std::string& v) {
             c.command_budget_s = number_in_range("CommandBudget", v, 1, 3600);
         }},
        {"LockWait",
         [](Config& c, const std::string& v) {
             c.lock_wait_s = number_in_range("LockWait", v, 0, 600);
         }},
        {"MgrctlTimeout",
         [](Config& c, const std::string& v) {
             c.mgrctl_timeout_s = number_in_range("MgrctlTimeout", v, 1, 3600);
         }},
        {"ChargeSettleSeconds",
         [](Config& c, const std::string& v) {
             c.charge_settle_s = number_in_range("ChargeSettleSeconds", v, 0, 86400);
         }},
        {"DcvEmailFunction",
         [](Config& c, const std::string& v) {
             c.dcv_email_function = function_name("DcvEmailFunction", v);
         }},
        {"DcvDnsFunction",
         [](Config& c, const std::string& v) {
             c.dcv_dns_function = function_name("DcvDnsFunction", v);
         }},
        {"ListPageSize",
         [](Config& c, const std::string& v) {
             c.list_page_size = number_in_range("ListPageSize", v, 1, 100000);
         }},
        {"ListCacheSeconds",
         [](Config& c, const std::string& v) {
             c.list_cache_s = number_in_range("ListCacheSeconds", v, 0, 86400);
         }},
        {"PendingRecheckSeconds",
         [](Config& c, const std::string& v) {
             c.pending_recheck_s = number_in_range("PendingRecheckSeconds", v, 0, 604800);
         }},
    };
    return table;
}

// A # at the start of a line or after a blank starts a comment; one inside a word (a path
// such as /etc/ssl/a#b.pem) is kept.
std::string_view without_comment(std::string_view line) {
    for (size_t i = 0; i < line.size(); ++i)
        if (line[i] == '#' && (i == 0 || line[i - 1] == ' ' || line[i - 1] == '\t'))
            return line.substr(0, i);
    return line;
}

}  // namespace

Config Config::parse(const std::string& text, const std::string& origin) {
    Config config;
    std::istringstream in(text);
    std::string raw;
    for (int line_no = 1; std::getline(in, raw); ++line_no) {
        std::string line(trim(without_comment(raw)));
        if (line.empty())
            continue;
        size_t gap = line.find_first_of(" \t");
        std::string key = line.substr(0, gap);
        std::string value = gap == std::string::npos ? "" : std::string(trim(line.substr(gap)));
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
