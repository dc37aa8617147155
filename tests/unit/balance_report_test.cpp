// The upstream balance on the dashboard: the exact processing.savebalance call, the fallback
// for a panel that refuses currency or notify_time, and which lifecycle steps touch the
// balance (ChargeWatch).
#include <doctest/doctest.h>

#include <cctype>

#include "app/charge_watch.h"
#include "fakes.h"
#include "lifecycle/balance_report.h"

using namespace pmb;
using pmtest::FakeApi;
using pmtest::FakeHost;
using pmtest::Lines;

namespace {

// YYYY-MM-DD HH:MM:SS
bool is_datetime(const std::string& text) {
    if (text.size() != 19 || text[4] != '-' || text[7] != '-' || text[10] != ' ' ||
        text[13] != ':' || text[16] != ':')
        return false;
    for (size_t i : {0, 1, 2, 3, 5, 6, 8, 9, 11, 12, 14, 15, 17, 18})
        if (!std::isdigit(static_cast<unsigned char>(text[i])))
            return false;
    return true;
}

}  // namespace

TEST_CASE("balance report: one processing.savebalance with every param") {
    FakeHost host;
    FakeApi api;
    Balance saved = report_balance(host, api, 11, BalanceRead::kThorough);
    CHECK(saved.amount == "990.00");
    CHECK(saved.currency == "EUR");
    CHECK(api.calls == Lines{"balance thorough"});
    REQUIRE(host.calls.size() == 1);
    const FakeHost::Call& call = host.calls[0];
    const std::string notify_time = call.arg("notify_time");
    CHECK(is_datetime(notify_time));
    CHECK(host.journal() == Lines{"processing.savebalance processingmodule=11 balance=990.00 "
                                  "currency=EUR notify_time=" +
                                  notify_time + " sok=ok"});
}

TEST_CASE("balance report: a panel refusing currency or notify_time gets the balance alone") {
    for (const char* refused : {"currency", "notify_time"}) {
        CAPTURE(refused);
        FakeHost host;
        FakeApi api;
        host.refuse_param("processing.savebalance", refused);
        report_balance(host, api, 11, BalanceRead::kQuick);
        REQUIRE(host.calls.size() == 4);
        const std::string notify_time = host.calls[0].arg("notify_time");
        CHECK(host.journal() ==
              Lines{"processing.savebalance processingmodule=11 balance=990.00 currency=EUR "
                    "notify_time=" +
                        notify_time + " sok=ok",
                    "processing.savebalance processingmodule=11 balance=990.00",
                    "processing.saveparam elid=11 param=currency value=EUR",
                    "processing.saveparam elid=11 param=notify_time value=" + notify_time});
        CHECK(api.calls == Lines{"balance quick"});
    }
}

TEST_CASE("balance report: any other refusal of the panel fails the report") {
    FakeHost host;
    FakeApi api;
    host.fail_on("processing.savebalance");
    CHECK_THROWS_AS(report_balance(host, api, 11, BalanceRead::kThorough), Error);
    CHECK(host.calls.size() == 1);

    FakeHost quiet;
    api.fail("balance", pmtest::Failure::kAuth);
    CHECK_THROWS_AS(report_balance(quiet, api, 11, BalanceRead::kThorough), UpstreamError);
    CHECK(quiet.calls.empty());  // nothing read, nothing saved
}

TEST_CASE("charge watch: orders and renewals that went through, and refusals for money") {
    FakeApi api;
    api.next_id = 2001;  // orders here must not replace certificate 1001
    api.certs["1001"].id = "1001";
    api.certs["1001"].expiredate = "2026-01-01";
    {
        ChargeWatch watch(api);
        watch.each_certificate([](const pmb::UpstreamCertificate&) { return true; });
        watch.get("1001");
        watch.reissue("1001", {});
        watch.remove("1001");
        watch.check_access();
        CHECK_FALSE(watch.balance_touched());  // reads, a free reissue, a delete
        watch.balance(BalanceRead::kQuick);
        CHECK_FALSE(watch.balance_touched());
    }
    {
        ChargeWatch watch(api);
        watch.order(OrderRequest{});
        CHECK(watch.balance_touched());
    }
    {
        ChargeWatch watch(api);
        watch.prolong("1001", 12);
        CHECK(watch.balance_touched());
    }
    {
        ChargeWatch watch(api);
        api.fail("order", pmtest::Failure::kTransport);
        CHECK_THROWS_AS(watch.order(OrderRequest{}), UpstreamError);
        CHECK_FALSE(watch.balance_touched());  // nothing known to be paid
        api.fail("order", pmtest::Failure::kBalance);
        CHECK_THROWS_AS(watch.order(OrderRequest{}), UpstreamError);
        CHECK(watch.balance_touched());
    }
    {
        ChargeWatch watch(api);
        api.fail("reissue", pmtest::Failure::kBalance);
        CHECK_THROWS_AS(watch.reissue("1001", {}), UpstreamError);
        CHECK(watch.balance_touched());  // an upstream that charges reissues says so
    }
}
