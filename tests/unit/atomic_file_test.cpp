// The module's own files on disk: AtomicFile (the template cache, the list snapshot) and
// FileLock (every item command), on their success and their error paths.
#include <doctest/doctest.h>
#include <sys/resource.h>
#include <sys/stat.h>

#include <algorithm>
#include <csignal>
#include <filesystem>
#include <functional>
#include <string>
#include <vector>

#include "core/atomic_file.h"
#include "core/error.h"
#include "core/file_lock.h"
#include "test_util.h"

using namespace pmb;
namespace fs = std::filesystem;

namespace {

// The names in a folder, sorted: compared before and after, they show no temporary left.
std::vector<std::string> names_in(const std::string& folder) {
    std::vector<std::string> names;
    for (const auto& entry : fs::directory_iterator(folder))
        names.push_back(entry.path().filename().string());
    std::sort(names.begin(), names.end());
    return names;
}

// RLIMIT_FSIZE for one block: a write past it fails with EFBIG instead of killing the test.
class FileSizeLimit {
public:
    explicit FileSizeLimit(rlim_t bytes) {
        getrlimit(RLIMIT_FSIZE, &saved_);
        old_handler_ = std::signal(SIGXFSZ, SIG_IGN);
        rlimit limit = saved_;
        limit.rlim_cur = bytes;
        setrlimit(RLIMIT_FSIZE, &limit);
    }
    ~FileSizeLimit() {
        setrlimit(RLIMIT_FSIZE, &saved_);
        std::signal(SIGXFSZ, old_handler_);
    }

private:
    rlimit saved_{};
    void (*old_handler_)(int) = nullptr;
};

}  // namespace

TEST_CASE("an atomic file replaces the old one whole, with the mode asked for") {
    const std::string dir = pmtest::temp_dir();
    const std::string path = dir + "/cache.tsv";
    pmtest::write_text(path, "old\n");
    mode_t old_umask = ::umask(077);
    {
        AtomicFile file(path, "the test cache", 0640);
        file.write("new ");
        file.write(std::string(100 * 1024, 'x'));   // past the buffer: flushed on the way
        CHECK(pmtest::read_text(path) == "old\n");  // nothing shows before the commit
        file.commit();
    }
    ::umask(old_umask);
    CHECK(pmtest::read_text(path) == "new " + std::string(100 * 1024, 'x'));
    struct stat st {};
    REQUIRE(::stat(path.c_str(), &st) == 0);
    CHECK((st.st_mode & 0777) == 0640);
    CHECK(names_in(dir) == std::vector<std::string>{"cache.tsv"});
    fs::remove_all(dir);
}

TEST_CASE("an atomic file never committed leaves the old file and no temporary") {
    const std::string dir = pmtest::temp_dir();
    const std::string path = dir + "/cache.tsv";
    pmtest::write_text(path, "old\n");
    {
        AtomicFile file(path, "the test cache");
        file.write("half of it");
    }
    CHECK(pmtest::read_text(path) == "old\n");
    CHECK(names_in(dir) == std::vector<std::string>{"cache.tsv"});
    fs::remove_all(dir);
}

// Each way writing can fail: an internal error naming what was written and where, the old
// file as it was, no temporary left behind.
TEST_CASE("an atomic file that cannot be written says what and where, and changes nothing") {
    struct Case {
        const char* name;
        std::function<void(const std::string& dir)> prepare;
        const char* target;  // under dir
        std::function<void(const std::string& path)> write;
        const char* reason;
    };
    const std::vector<Case> cases = {
        {"its folder is missing", [](const std::string&) {}, "missing/cache.tsv",
         [](const std::string& path) { AtomicFile(path, "the test cache"); },
         "No such file or directory"},
        {"a folder stands where the file goes",
         [](const std::string& dir) { pmtest::write_text(dir + "/cache.tsv/keep", "kept"); },
         "cache.tsv",
         [](const std::string& path) {
             AtomicFile file(path, "the test cache");
             file.write("new");
             file.commit();
         },
         "Is a directory"},
        {"the disk refuses the bytes (file size limit)",
         [](const std::string& dir) { pmtest::write_text(dir + "/cache.tsv", "old\n"); },
         "cache.tsv",
         [](const std::string& path) {
             FileSizeLimit limit(1024);
             AtomicFile file(path, "the test cache");
             file.write(std::string(4096, 'x'));
             file.commit();
         },
         "File too large"},
    };
    for (const Case& c : cases) {
        CAPTURE(c.name);
        const std::string dir = pmtest::temp_dir();
        c.prepare(dir);
        const std::vector<std::string> before = names_in(dir);
        const std::string path = dir + "/" + c.target;
        try {
            c.write(path);
            FAIL("no error");
        } catch (const Error& e) {
            CHECK(e.type() == errtype::kInternal);
            CHECK(e.object() == "file");
            CHECK(e.value() == path);
            CHECK(e.message().find("the test cache " + path) != std::string::npos);
            CHECK(e.message().find(c.reason) != std::string::npos);
        }
        CHECK(names_in(dir) == before);
        if (fs::is_regular_file(dir + "/cache.tsv"))
            CHECK(pmtest::read_text(dir + "/cache.tsv") == "old\n");
        fs::remove_all(dir);
    }
}

TEST_CASE("a lock file that cannot be opened is an internal error naming it") {
    const std::string dir = pmtest::temp_dir();
    const std::string path = dir + "/run/item.lock";
    fs::create_directories(path);  // a folder where the lock file goes
    try {
        FileLock lock(path);
        FAIL("no error");
    } catch (const Error& e) {
        CHECK(e.type() == errtype::kInternal);
        CHECK(e.object() == "lock");
        CHECK(e.value() == path);
        CHECK(e.message() == "cannot open the lock file " + path + ": Is a directory");
    }
    fs::remove_all(dir);
}

TEST_CASE("a lock held elsewhere is waited for, then given up after the wait") {
    const std::string dir = pmtest::temp_dir();
    const std::string path = dir + "/run/item.lock";
    FileLock first(path);  // creates the lock directory on first use
    REQUIRE(first.acquire(0));
    FileLock second(path);
    int waits = 0;
    CHECK_FALSE(second.acquire(0, [&] { ++waits; }));
    CHECK(waits == 1);
    fs::remove_all(dir);
}
