// How mgrctl is called: ISPsystem's argument order, values that must not go on argv, and the
// OS limit on one argument.
#include <doctest/doctest.h>

#include "billmgr/mgrctl.h"
#include "core/error.h"

using namespace pmb;

using Strings = std::vector<std::string>;

TEST_CASE("mgrctl: plain params after the function, every -e option after them") {
    Mgrctl mgrctl("/mgr/sbin/mgrctl");
    Mgrctl::Invocation call = mgrctl.build("certificate.save", {{"elid", "5"},
                                                                {"crt", "PEM", true},
                                                                {"crt_type", "zip"},
                                                                {"pass", "P", true},
                                                                {"sok", "ok"}});
    CHECK(call.argv == Strings{"/mgr/sbin/mgrctl", "-m", "billmgr", "-o", "xml", "certificate.save",
                               "elid=5", "crt_type=zip", "sok=ok", "-e",
                               "crt=$PMBILLMGRSSL_SECRET_1", "-e", "pass=$PMBILLMGRSSL_SECRET_2"});
    CHECK(call.secret_env == Strings{"PMBILLMGRSSL_SECRET_1=PEM", "PMBILLMGRSSL_SECRET_2=P"});
}

TEST_CASE("mgrctl: a value over the OS limit for one argument is a clear error") {
    Mgrctl mgrctl("/mgr/sbin/mgrctl");
    const std::string fits(Mgrctl::kMaxArgBytes - 64, 'A');
    CHECK_NOTHROW(mgrctl.build("certificate.save", {{"crt", fits, true}}));
    const std::string big(200 * 1024, 'A');
    for (bool secret : {true, false}) {
        CAPTURE(secret);
        try {
            mgrctl.build("certificate.save", {{"elid", "5"}, {"crt", big, secret}});
            FAIL("no error");
        } catch (const Error& e) {
            CHECK(e.type() == errtype::kMgrctl);
            CHECK(e.message() ==
                  "cannot pass crt to BILLmanager function certificate.save: it is " +
                      std::to_string(big.size() + (secret ? 22 : 4)) +
                      " bytes, over the system limit of 131072 bytes for one value");
        }
    }
}

TEST_CASE("error: a long value and message are shortened with a note, XML stays whole") {
    const std::string long_text = "Ошибка " + std::string(200 * 1024, 'x');
    Error error(errtype::kUpstream, "upstream", long_text, long_text);
    Error stored = error.shortened(5 * 1024);
    const std::string note = "… shortened, " + std::to_string(long_text.size()) + " bytes in all";
    CHECK(stored.message().size() <= 5 * 1024 + note.size());
    CHECK(stored.message().find(note) != std::string::npos);
    CHECK(stored.value().find(note) != std::string::npos);
    CHECK(stored.message().rfind("Ошибка x", 0) == 0);
    CHECK(stored.to_xml().size() < 17 * 1024);               // the value appears twice in the XML
    CHECK(error.shortened(1 << 20).message() == long_text);  // short enough: as it was
    Error cyrillic(errtype::kUpstream, "", "", "яяя");
    CHECK(cyrillic.shortened(3).message() == "я… shortened, 6 bytes in all");  // no half letter
}
