// Where the module finds its BILLmanager root: $PMBILLMGRSSL_ROOT, else its own location.
#include <doctest/doctest.h>

#include "core/paths.h"

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
