// Where the module finds its BILLmanager root ($PMBILLMGRSSL_ROOT, else its own location), and
// how it makes the folders it writes.
#include <doctest/doctest.h>
#include <sys/stat.h>

#include <filesystem>

#include "core/error.h"
#include "core/paths.h"
#include "test_util.h"

using namespace pmb;

TEST_CASE("the root is the parent of the processing folder holding the binary") {
    CHECK(MgrRoot::derive_dir("/usr/local/mgr5/processing/pmbillmgrssl", nullptr) ==
          "/usr/local/mgr5");
    CHECK(MgrRoot::derive_dir("/opt/test-clone/processing/pmbillmgrssl", nullptr) ==
          "/opt/test-clone");
    CHECK(MgrRoot::derive_dir("/opt/test-clone/processing/pmbillmgrssl", "") == "/opt/test-clone");
}

TEST_CASE("PMBILLMGRSSL_ROOT overrides the binary's location") {
    CHECK(MgrRoot::derive_dir("/opt/test-clone/processing/pmbillmgrssl", "/srv/mgr") == "/srv/mgr");
    CHECK(MgrRoot::derive_dir("", "/srv/mgr") == "/srv/mgr");
}

TEST_CASE("a binary outside a processing folder falls back to /usr/local/mgr5") {
    CHECK(MgrRoot::derive_dir("/home/dev/pmbillmgrssl/build/bin/pmbillmgrssl", nullptr) ==
          "/usr/local/mgr5");
    CHECK(MgrRoot::derive_dir("/opt/processing-tools/pmbillmgrssl", nullptr) == "/usr/local/mgr5");
    CHECK(MgrRoot::derive_dir("/pmbillmgrssl", nullptr) == "/usr/local/mgr5");
    // /proc unreadable: no path at all.
    CHECK(MgrRoot::derive_dir("", nullptr) == "/usr/local/mgr5");
    // Only an absolute, resolved path counts; a relative one says nothing about the root.
    CHECK(MgrRoot::derive_dir("processing/pmbillmgrssl", nullptr) == "/usr/local/mgr5");
}

namespace {

mode_t mode_of(const std::string& path) {
    struct stat st {};
    REQUIRE(::stat(path.c_str(), &st) == 0);
    return st.st_mode & 07777;
}

std::string refusal(const std::string& dir) {
    try {
        ensure_directory(dir, "lock directory");
    } catch (const pmb::Error& e) {
        CHECK(e.type() == pmb::errtype::kInternal);
        CHECK(e.object() == "directory");
        CHECK(e.value() == dir);
        return e.message();
    }
    FAIL("created " << dir);
    return {};
}

}  // namespace

TEST_CASE("ensure_directory: the missing folders are made 0750 whatever the umask") {
    const std::string root = pmtest::temp_dir();
    ::chmod(root.c_str(), 0755);
    const mode_t old_umask = ::umask(077);
    ensure_directory(root + "/var/run", "lock directory");
    ::umask(old_umask);
    CHECK(mode_of(root + "/var") == 0750);
    CHECK(mode_of(root + "/var/run") == 0750);
    CHECK(mode_of(root) == 0755);  // what existed is left as it was

    ::chmod((root + "/var").c_str(), 0711);
    ensure_directory(root + "/var/run/", "lock directory");  // all there: nothing changes
    CHECK(mode_of(root + "/var") == 0711);
    std::filesystem::remove_all(root);
}

TEST_CASE("ensure_directory: a file in the way is named in the error") {
    const std::string root = pmtest::temp_dir();
    pmtest::write_text(root + "/var/run", "not a directory");
    CHECK(refusal(root + "/var/run") == "cannot create the lock directory " + root +
                                            "/var/run: " + root + "/var/run is not a directory");
    CHECK(refusal(root + "/var/run/deeper") == "cannot create the lock directory " + root +
                                                   "/var/run/deeper: " + root +
                                                   "/var/run is not a directory");
    std::filesystem::remove_all(root);
}
