// The files the fake host shares between the test process and fake_mgrctl: the host config
// (R/fake_host.conf, with injected faults) and the call log (R/var/mgrctl.calls).
// Both hold one record per line: tab-separated fields, with backslash, tab, CR and newline
// escaped, so any value (PEM, XML, Cyrillic) fits on one line.
#pragma once

#include <string>
#include <vector>

#include "fake_host_db.h"

namespace pmtest {

std::string encode_record(const std::vector<std::string>& fields);
std::vector<std::string> decode_record(const std::string& line);
// All records of a file; a missing file has none.
std::vector<std::vector<std::string>> read_records(const std::string& path);
// Appends one record under an exclusive lock, so concurrent writers never interleave.
void append_record(const std::string& path, const std::vector<std::string>& fields);

enum class HangWhen { kBefore, kAfter };

struct Fault {
    // kUnknown: answer as a panel without the function (an older BILLmanager) does.
    // kRefuseParam: refuse a call that carries the param named by match, as a panel refuses
    // a param it does not take (type value, the param as the error's object).
    // kCrash: die of SIGSEGV after half an answer; kGarbage: answer text that is not XML
    // (exit 0). Either way the call is recorded and nothing applied.
    // kDbUnreachable, kDbBadLogin (func paramlist): paramlist hands out a socket nothing
    // listens on, or a password the server refuses; fake_mgrctl's own connection still works.
    enum class Kind {
        kFail,
        kHang,
        kUnknown,
        kRefuseParam,
        kCrash,
        kGarbage,
        kDbUnreachable,
        kDbBadLogin
    };
    Kind kind = Kind::kFail;
    std::string func;
    std::string match;  // "name=value" the call must carry; empty matches every call
                        // (kRefuseParam: the name of the refused param)
    HangWhen when = HangWhen::kBefore;
    double seconds = 0;
    int skip = 0;  // kHang: matching calls let through before the one held
};

struct FakeHostConfig {
    DbParams db;
    std::vector<Fault> faults;
};

std::string fake_host_config_path(const std::string& root);
std::string mgrctl_calls_path(const std::string& root);
// One record (func, "before"|"after", pid) per hang, written as it starts: the event a test
// waits for before a kill, since a hang before the call records nothing else.
std::string mgrctl_hangs_path(const std::string& root);
// One record per call a hang with a skip matched (its func, match and when): how the separate
// mgrctl processes count the calls let through. Removed with the faults.
std::string mgrctl_hang_matches_path(const std::string& root);
// Present: every hang ends at once (a test holds a run, sees what it waits for, lets it go).
std::string mgrctl_release_path(const std::string& root);
const char* hang_when_name(HangWhen when);

FakeHostConfig load_fake_host_config(const std::string& root);
// Rewrites the whole file, faults included.
void save_fake_host_config(const std::string& root, const FakeHostConfig& config);

// Hex keeps the DB password out of the root as a literal, so tests can grep the root for it.
std::string to_hex(const std::string& bytes);
std::string from_hex(const std::string& hex);

}  // namespace pmtest
