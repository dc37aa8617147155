#include "fake_host_files.h"

#include <fcntl.h>
#include <sys/file.h>
#include <unistd.h>

#include <algorithm>
#include <cstdio>
#include <fstream>
#include <iterator>
#include <stdexcept>

namespace pmtest {
namespace {

std::string escape_field(const std::string& value) {
    std::string out;
    for (char c : value) {
        switch (c) {
            case '\\':
                out += "\\\\";
                break;
            case '\t':
                out += "\\t";
                break;
            case '\n':
                out += "\\n";
                break;
            case '\r':
                out += "\\r";
                break;
            default:
                out += c;
        }
    }
    return out;
}

char unescaped(char code) {
    switch (code) {
        case 't':
            return '\t';
        case 'n':
            return '\n';
        case 'r':
            return '\r';
        default:
            return code;
    }
}

std::string unescape_field(const std::string& field) {
    std::string out;
    for (size_t i = 0; i < field.size(); ++i) {
        if (field[i] == '\\' && i + 1 < field.size()) {
            out += unescaped(field[++i]);
        } else {
            out += field[i];
        }
    }
    return out;
}

void write_all(int fd, const std::string& data, const std::string& path) {
    size_t done = 0;
    while (done < data.size()) {
        ssize_t n = write(fd, data.data() + done, data.size() - done);
        if (n <= 0)
            throw std::runtime_error("cannot write " + path);
        done += static_cast<size_t>(n);
    }
}

// The record name of each kind of fault but kHang, which carries more fields.
const std::pair<Fault::Kind, const char*> kFaultNames[] = {
    {Fault::Kind::kFail, "fail"},
    {Fault::Kind::kUnknown, "unknown"},
    {Fault::Kind::kRefuseParam, "refuse"},
    {Fault::Kind::kCrash, "crash"},
    {Fault::Kind::kGarbage, "garbage"},
    {Fault::Kind::kDbUnreachable, "db_unreachable"},
    {Fault::Kind::kDbBadLogin, "db_bad_login"},
};

const char* fault_name(Fault::Kind kind) {
    for (const auto& [known, name] : kFaultNames)
        if (known == kind)
            return name;
    return "hang";
}

bool is_fault_record(const std::string& key) {
    return key == "hang" || std::any_of(std::begin(kFaultNames), std::end(kFaultNames),
                                        [&](const auto& entry) { return key == entry.second; });
}

std::vector<std::string> fault_fields(const Fault& fault) {
    if (fault.kind != Fault::Kind::kHang)
        return {fault_name(fault.kind), fault.func, fault.match};
    return {"hang",
            fault.func,
            fault.match,
            hang_when_name(fault.when),
            std::to_string(fault.seconds),
            std::to_string(fault.skip)};
}

Fault fault_from_fields(const std::vector<std::string>& fields) {
    Fault fault;
    fault.func = fields.at(1);
    fault.match = fields.at(2);
    for (const auto& [kind, name] : kFaultNames)
        if (fields[0] == name)
            fault.kind = kind;
    if (fields[0] == "hang") {
        fault.kind = Fault::Kind::kHang;
        fault.when = fields.at(3) == "after" ? HangWhen::kAfter : HangWhen::kBefore;
        fault.seconds = std::stod(fields.at(4));
        fault.skip = fields.size() > 5 ? std::stoi(fields[5]) : 0;
    }
    return fault;
}

void apply_config_record(const std::vector<std::string>& fields, FakeHostConfig& config) {
    const std::string& key = fields.at(0);
    if (is_fault_record(key)) {
        config.faults.push_back(fault_from_fields(fields));
    } else if (key == "socket") {
        config.db.socket = fields.at(1);
    } else if (key == "database") {
        config.db.database = fields.at(1);
    } else if (key == "user") {
        config.db.user = fields.at(1);
    } else if (key == "password_hex") {
        config.db.password = from_hex(fields.at(1));
    }
}

int hex_digit(char c) {
    if (c >= '0' && c <= '9')
        return c - '0';
    if (c >= 'a' && c <= 'f')
        return c - 'a' + 10;
    throw std::invalid_argument("bad hex digit");
}

}  // namespace

std::string encode_record(const std::vector<std::string>& fields) {
    std::string line;
    for (size_t i = 0; i < fields.size(); ++i) {
        if (i > 0)
            line += '\t';
        line += escape_field(fields[i]);
    }
    return line;
}

std::vector<std::string> decode_record(const std::string& line) {
    std::vector<std::string> fields;
    size_t start = 0;
    for (;;) {
        size_t tab = line.find('\t', start);
        fields.push_back(unescape_field(line.substr(start, tab - start)));
        if (tab == std::string::npos)
            return fields;
        start = tab + 1;
    }
}

std::vector<std::vector<std::string>> read_records(const std::string& path) {
    std::vector<std::vector<std::string>> records;
    std::ifstream in(path, std::ios::binary);
    std::string line;
    while (std::getline(in, line)) {
        if (!line.empty())
            records.push_back(decode_record(line));
    }
    return records;
}

void append_record(const std::string& path, const std::vector<std::string>& fields) {
    int fd = open(path.c_str(), O_WRONLY | O_APPEND | O_CREAT | O_CLOEXEC, 0644);
    if (fd < 0)
        throw std::runtime_error("cannot open " + path);
    flock(fd, LOCK_EX);
    try {
        write_all(fd, encode_record(fields) + "\n", path);
    } catch (...) {
        close(fd);
        throw;
    }
    close(fd);
}

std::string fake_host_config_path(const std::string& root) {
    return root + "/fake_host.conf";
}

std::string mgrctl_calls_path(const std::string& root) {
    return root + "/var/mgrctl.calls";
}

std::string mgrctl_hangs_path(const std::string& root) {
    return root + "/var/mgrctl.hangs";
}

std::string mgrctl_hang_matches_path(const std::string& root) {
    return root + "/var/mgrctl.hang_matches";
}

std::string mgrctl_release_path(const std::string& root) {
    return root + "/var/mgrctl.release";
}

const char* hang_when_name(HangWhen when) {
    return when == HangWhen::kAfter ? "after" : "before";
}

FakeHostConfig load_fake_host_config(const std::string& root) {
    FakeHostConfig config;
    for (const auto& fields : read_records(fake_host_config_path(root))) {
        apply_config_record(fields, config);
    }
    if (config.db.socket.empty() || config.db.database.empty())
        throw std::runtime_error("incomplete " + fake_host_config_path(root));
    return config;
}

void save_fake_host_config(const std::string& root, const FakeHostConfig& config) {
    std::vector<std::vector<std::string>> records = {
        {"socket", config.db.socket},
        {"database", config.db.database},
        {"user", config.db.user},
        {"password_hex", to_hex(config.db.password)},
    };
    for (const Fault& fault : config.faults)
        records.push_back(fault_fields(fault));
    std::string text;
    for (const auto& record : records)
        text += encode_record(record) + "\n";
    // Write-then-rename: a fake_mgrctl reading concurrently sees the old or the new file.
    std::string path = fake_host_config_path(root);
    std::string temp_path = path + ".tmp";
    {
        std::ofstream out(temp_path, std::ios::binary | std::ios::trunc);
        if (!(out << text))
            throw std::runtime_error("cannot write " + temp_path);
    }
    if (rename(temp_path.c_str(), path.c_str()) != 0)
        throw std::runtime_error("cannot replace " + path);
}

std::string to_hex(const std::string& bytes) {
    static const char kDigits[] = "0123456789abcdef";
    std::string hex;
    for (unsigned char c : bytes) {
        hex += kDigits[c >> 4];
        hex += kDigits[c & 0x0f];
    }
    return hex;
}

std::string from_hex(const std::string& hex) {
    if (hex.size() % 2 != 0)
        throw std::invalid_argument("odd hex length");
    std::string bytes;
    for (size_t i = 0; i < hex.size(); i += 2) {
        bytes += static_cast<char>(hex_digit(hex[i]) * 16 + hex_digit(hex[i + 1]));
    }
    return bytes;
}

}  // namespace pmtest
