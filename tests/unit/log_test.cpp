// The log when it cannot be written: one line on stderr (BILLmanager keeps a module's stderr
// in its own log), the run goes on, and nothing else is said for that log.
#include <doctest/doctest.h>
#include <unistd.h>

#include <cstdio>
#include <filesystem>
#include <string>
#include <vector>

#include "core/log.h"
#include "test_util.h"

using namespace pmb;
namespace fs = std::filesystem;

namespace {

// What this process writes to stderr while the object lives.
class StderrCapture {
public:
    explicit StderrCapture(std::string file) : file_(std::move(file)) {
        std::fflush(stderr);
        saved_ = ::dup(2);
        std::FILE* f = std::fopen(file_.c_str(), "w");
        ::dup2(fileno(f), 2);
        std::fclose(f);
    }
    ~StderrCapture() { restore(); }
    std::string text() {
        restore();
        return pmtest::read_text(file_);
    }

private:
    void restore() {
        if (saved_ < 0)
            return;
        std::fflush(stderr);
        ::dup2(saved_, 2);
        ::close(saved_);
        saved_ = -1;
    }
    std::string file_;
    int saved_ = -1;
};

}  // namespace

TEST_CASE("a log that cannot be written warns once on stderr and the run goes on") {
    struct Case {
        const char* name;
        const char* log;      // DIR: the temp dir
        const char* warning;  // its start (the rest is the system's reason), one line
    };
    const std::vector<Case> cases = {
        {"a file stands where its folder goes", "DIR/root/var/pmbillmgrssl.log",
         "pmbillmgrssl: cannot write the log DIR/root/var/pmbillmgrssl.log: Not a directory; "
         "its lines are lost"},
        {"a folder stands where the log goes", "DIR/var/pmbillmgrssl.log",
         "pmbillmgrssl: cannot write the log DIR/var/pmbillmgrssl.log: Is a directory; its "
         "lines are lost"},
        {"its folder cannot be made", "/proc/pmbillmgrssl-test/var/pmbillmgrssl.log",
         "pmbillmgrssl: cannot create the log directory /proc/pmbillmgrssl-test/var: "
         "/proc/pmbillmgrssl-test: "},
    };
    for (const Case& c : cases) {
        CAPTURE(c.name);
        const std::string dir = pmtest::temp_dir();
        pmtest::write_text(dir + "/root", "a file, not a folder");
        fs::create_directories(dir + "/var/pmbillmgrssl.log");
        auto with_dir = [&](std::string text) {
            for (size_t at; (at = text.find("DIR")) != std::string::npos;)
                text.replace(at, 3, dir);
            return text;
        };
        std::string said;
        {
            StderrCapture err(dir + "/stderr.txt");
            Log::open(with_dir(c.log), LogLevel::kInfo);
            log_info("first line");
            log_warning("second line");
            said = err.text();
        }
        Log::open("", LogLevel::kInfo);
        CHECK(said.rfind(with_dir(c.warning), 0) == 0);
        CHECK(said.find('\n') == said.size() - 1);  // one line for both writes
        fs::remove_all(dir);
    }
}

TEST_CASE("a fresh root's log folder is made on the first line") {
    const std::string dir = pmtest::temp_dir();
    Log::open(dir + "/var/pmbillmgrssl.log", LogLevel::kInfo);
    log_info("hello");
    Log::open("", LogLevel::kInfo);
    CHECK(pmtest::read_text(dir + "/var/pmbillmgrssl.log").find(" pmbillmgrssl INFO hello\n") !=
          std::string::npos);
    CHECK((fs::status(dir + "/var").permissions() & fs::perms::all) == fs::perms(0750));
    fs::remove_all(dir);
}
