// Zip archives: what we write opens with standard tools; what panels send is read back.
#include <doctest/doctest.h>

#include <cstdio>
#include <cstdlib>

#include "core/base64.h"
#include "core/error.h"
#include "core/zip.h"
#include "test_util.h"

using pmb::ZipEntry;

namespace {

std::string run(const std::string& command) {
    std::string out;
    if (FILE* pipe = popen(command.c_str(), "r")) {
        char buf[4096];
        size_t n;
        while ((n = fread(buf, 1, sizeof buf, pipe)) > 0)
            out.append(buf, n);
        CHECK(pclose(pipe) == 0);
    }
    return out;
}

}  // namespace

TEST_CASE("make_zip: python's zipfile lists and tests the archive, contents intact") {
    std::string dir = pmtest::temp_dir();
    std::string path = dir + "/bundle.zip";
    pmtest::write_text(path, pmb::make_zip({{"example.com.crt", "CERT\n"},
                                            {"example.com.ca-bundle", ""},
                                            {"example.com.key", std::string(70000, 'k')}}));
    std::string listing = run("python3 -m zipfile -l " + path);
    CHECK(listing.find("example.com.crt") != std::string::npos);
    CHECK(listing.find("example.com.ca-bundle") != std::string::npos);
    CHECK(listing.find("example.com.key") != std::string::npos);
    CHECK(run("python3 -m zipfile -t " + path).find("Done testing") != std::string::npos);
    std::string read_back =
        run("python3 -c \"import zipfile,sys; "
            "sys.stdout.write(zipfile.ZipFile('" +
            path + "').read('example.com.crt').decode())\"");
    CHECK(read_back == "CERT\n");
    std::filesystem::remove_all(dir);
}

TEST_CASE("read_zip: stored and deflated files made by python, directories skipped") {
    std::string dir = pmtest::temp_dir();
    std::string path = dir + "/in.zip";
    run("python3 -c \"import zipfile; z=zipfile.ZipFile('" + path +
        "','w'); z.writestr('certs/', ''); "
        "z.writestr('a.crt', 'A'*5000, compress_type=zipfile.ZIP_DEFLATED); "
        "z.writestr('b.crt', 'bee', compress_type=zipfile.ZIP_STORED); z.close()\"");
    auto entries = pmb::read_zip(pmtest::read_text(path));
    REQUIRE(entries.size() == 2);
    CHECK(entries[0].name == "a.crt");
    CHECK(entries[0].data == std::string(5000, 'A'));
    CHECK(entries[1].name == "b.crt");
    CHECK(entries[1].data == "bee");
    std::filesystem::remove_all(dir);
}

TEST_CASE("read_zip: round trip of make_zip; junk and damage are bad_response") {
    std::vector<ZipEntry> files = {{"x.crt", "one"}, {"y.crt", "two"}};
    std::string archive = pmb::make_zip(files);
    CHECK(pmb::looks_like_zip(archive));
    auto back = pmb::read_zip(archive);
    REQUIRE(back.size() == 2);
    CHECK(back[1].name == "y.crt");
    CHECK(back[1].data == "two");

    std::string damaged = archive;
    damaged[damaged.find("one")] = 'X';
    CHECK_THROWS_WITH_AS(pmb::read_zip(damaged), doctest::Contains("CRC"), pmb::Error);
    CHECK_THROWS_AS(pmb::read_zip("PK\x03\x04 not really"), pmb::Error);
    CHECK_THROWS_AS(pmb::read_zip(archive.substr(0, archive.size() / 2)), pmb::Error);
    CHECK_FALSE(pmb::looks_like_zip("-----BEGIN CERTIFICATE-----"));
}

namespace {

// The archive with bit 0 (encrypted) of the general purpose flags set in every header.
std::string marked_encrypted(std::string archive) {
    for (const auto& [signature, flags_at] :
         {std::pair<std::string, size_t>{"PK\x03\x04", 6}, {"PK\x01\x02", 8}})
        for (size_t at = archive.find(signature); at != std::string::npos;
             at = archive.find(signature, at + 1))
            archive[at + flags_at] |= 1;
    return archive;
}

// The end of central directory record naming disk 1 as this disk.
std::string marked_multidisk(std::string archive) {
    archive[archive.rfind("PK\x05\x06") + 4] = 1;
    return archive;
}

std::vector<ZipEntry> many_files(size_t count) {
    std::vector<ZipEntry> files;
    for (size_t i = 0; i < count; ++i)
        files.push_back({std::to_string(i) + ".crt", "x"});
    return files;
}

}  // namespace

TEST_CASE("read_zip: what the upstream must not send is refused, each for its reason") {
    const std::string plain = pmb::make_zip({{"x.crt", "one"}});
    struct Case {
        const char* name;
        std::string archive;
        const char* reason;
    };
    const Case cases[] = {
        {"not a zip", "PK\x03\x04 not really", "not a zip archive"},
        {"truncated", plain.substr(0, plain.size() - 10), "not a zip archive"},
        {"encrypted", marked_encrypted(plain), "x.crt is encrypted"},
        {"several disks", marked_multidisk(plain), "spans several disks"},
        {"parent folder", pmb::make_zip({{"../x.crt", "one"}}), "leaves its folder (../x.crt)"},
        {"parent folder inside", pmb::make_zip({{"a/../../x.crt", "one"}}), "leaves its folder"},
        {"parent folder, backslash", pmb::make_zip({{"a\\..\\x.crt", "one"}}), "leaves its folder"},
        {"absolute path", pmb::make_zip({{"/etc/x.crt", "one"}}), "leaves its folder"},
        {"a file over 16 MiB", pmb::make_zip({{"big.crt", std::string((16u << 20) + 1, 'a')}}),
         "a file of 16777217 bytes"},
        {"over 1000 files", pmb::make_zip(many_files(1001)), "it holds 1001 files"},
    };
    for (const Case& c : cases) {
        CAPTURE(c.name);
        try {
            pmb::read_zip(c.archive);
            FAIL("accepted");
        } catch (const pmb::Error& e) {
            CHECK(e.type() == pmb::errtype::kBadResponse);
            CHECK(e.object() == "zip");
            CHECK_MESSAGE(e.message().find(c.reason) != std::string::npos, e.message());
        }
    }
    CHECK(pmb::read_zip(pmb::make_zip({{"a..b/c..crt", "one"}})).size() == 1);  // ".." in a name
    CHECK(pmb::read_zip(pmb::make_zip(many_files(1000))).size() == 1000);
}

TEST_CASE("make_zip: the same files make the same bytes; a duplicate name is an internal error") {
    CHECK(pmb::make_zip({{"a.crt", "A"}}) == pmb::make_zip({{"a.crt", "A"}}));
    CHECK_THROWS_WITH_AS(pmb::make_zip({{"a.crt", "A"}, {"a.crt", "B"}}),
                         doctest::Contains("a.crt"), pmb::Error);
}

TEST_CASE("base64_encode: padding as RFC 4648 says") {
    CHECK(pmb::base64_encode("") == "");
    CHECK(pmb::base64_encode("f") == "Zg==");
    CHECK(pmb::base64_encode("fo") == "Zm8=");
    CHECK(pmb::base64_encode("foo") == "Zm9v");
    CHECK(pmb::base64_encode(std::string("\xff\x00", 2)) == "/wA=");
}
