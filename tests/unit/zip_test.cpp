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

TEST_CASE("base64_encode: padding as RFC 4648 says") {
    CHECK(pmb::base64_encode("") == "");
    CHECK(pmb::base64_encode("f") == "Zg==");
    CHECK(pmb::base64_encode("fo") == "Zm8=");
    CHECK(pmb::base64_encode("foo") == "Zm9v");
    CHECK(pmb::base64_encode(std::string("\xff\x00", 2)) == "/wA=");
}
