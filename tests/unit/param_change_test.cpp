// setparam: nothing goes upstream; the change is logged, service.postsetparam finishes it, and
// a failure after a tariff change rolls the tariff back.
#include <doctest/doctest.h>

#include <functional>

#include "core/log.h"
#include "fakes.h"
#include "lifecycle/param_change.h"
#include "test_util.h"

using pmb::apply_param_change;
using pmtest::FakeHost;
using pmtest::Lines;

namespace {

const std::string kPostSetparam = "service.postsetparam elid=42 sok=ok";
const std::string kRollback = "service.changepricelist.rollback elid=42 sok=ok";

// What apply_param_change logged at info level.
std::string logged_while(const std::function<void()>& step) {
    std::string path = pmtest::temp_dir() + "/pmbillmgrssl.log";
    pmb::Log::open(path, pmb::LogLevel::kInfo);
    try {
        step();
    } catch (...) {
        pmb::Log::open("", pmb::LogLevel::kInfo);
        throw;
    }
    pmb::Log::open("", pmb::LogLevel::kInfo);
    return pmtest::read_text(path);
}

}  // namespace

TEST_CASE("setparam: posts service.postsetparam and logs the tariff and the param names") {
    FakeHost host;
    pmb::Item item = pmtest::base_item();
    item.lastpricelist = 5;
    item.params["upstream_id"] = "1001";
    host.add(item);

    std::string log = logged_while([&] { apply_param_change(host, 42); });

    CHECK(host.journal() == Lines{kPostSetparam});
    CHECK(log.find("tariff 7 (sectigo-positivessl), changed from tariff 5") != std::string::npos);
    CHECK(log.find("params: CN, adm_email, adm_fname") != std::string::npos);
    CHECK(log.find("upstream_id") == std::string::npos);       // the module's own state
    CHECK(log.find("ivan@example.com") == std::string::npos);  // names only, never values
}

TEST_CASE("setparam: a CSR other than the one sent upstream is pointed out") {
    FakeHost host;
    pmb::Item item = pmtest::base_item();
    item.certificate.present = true;
    item.certificate.csr = pmtest::make_csr("www.example.com");
    item.params["csr_sha256"] = "0000";
    host.add(item);
    std::string log = logged_while([&] { apply_param_change(host, 42); });
    CHECK(log.find("a reissue applies it") != std::string::npos);

    host.at(42).params["csr_sha256"] = pmtest::csr_der_sha256(item.certificate.csr);
    log = logged_while([&] { apply_param_change(host, 42); });
    CHECK(log.find("a reissue applies it") == std::string::npos);
    CHECK(log.find("tariff 7 (sectigo-positivessl), unchanged") != std::string::npos);
}

TEST_CASE("setparam: a failure after a tariff change rolls it back, then fails") {
    FakeHost host;
    pmb::Item item = pmtest::base_item();
    item.lastpricelist = 5;
    host.add(item);
    host.fail_on("service.postsetparam");

    CHECK_THROWS_AS(apply_param_change(host, 42), pmb::Error);
    CHECK(host.journal() == Lines{kPostSetparam, kRollback});
    CHECK(host.at(42).pricelist == 5);

    SUBCASE("without a tariff change there is nothing to roll back") {
        host.clear();
        CHECK_THROWS_AS(apply_param_change(host, 42), pmb::Error);
        CHECK(host.journal() == Lines{kPostSetparam});
    }
}
