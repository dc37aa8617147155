// The charge guard's marker: its one format, written and read back literally, and every format
// an earlier version wrote (an upgrade must honour a marker left mid-operation).
#include <doctest/doctest.h>

#include "fakes.h"
#include "lifecycle/charge_guard.h"

using pmb::ChargeMarker;
using State = ChargeMarker::State;

TEST_CASE("charge marker: the format, literally, and back") {
    ChargeMarker m{State::kUnknown,
                   "77",
                   1767614400,
                   {{"expiredate", "2026-06-01"}, {"status_msg", "Reissue; 50% done & more=yes"}},
                   "manual:ab12"};
    const std::string text =
        "77;unknown;1767614400;expiredate=2026-06-01&status_msg=Reissue%3B 50%25 done %26 "
        "more%3Dyes;manual:ab12";
    CHECK(m.text() == text);
    ChargeMarker read = ChargeMarker::read(text);
    CHECK(read.state == State::kUnknown);
    CHECK(read.operation == "77");
    CHECK(read.started == 1767614400);
    CHECK(read.snapshot == m.snapshot);
    CHECK(read.note == "manual:ab12");
    CHECK(ChargeMarker{State::kDone, "77", 0, {}, ""}.text() == "77;done");
    CHECK(ChargeMarker::read("77;done").state == State::kDone);
    CHECK(ChargeMarker::read("").state == State::kNone);
    CHECK(ChargeMarker::read(";sending;5;").operation.empty());  // a manual run's
}

TEST_CASE("charge marker: the formats written before the guard are honoured") {
    struct Case {
        const char* name;
        std::string text;
        std::string operation;
        pmb::UpstreamSnapshot snapshot;
        std::time_t started;
    };
    const Case cases[] = {
        {"order: date and tariff, any run",
         "2026-01-05 115",
         "",
         {{"pricelist", "115"}},
         1767571200},
        {"renewal: operation and the expiry it started from",
         "12;2025-06-01",
         "12",
         {{"expiredate", "2025-06-01"}},
         0},
        // a reissue was sent from an issued certificate: the old rule, "no longer issued"
        {"reissue", "12;oldrequest", "12", {{"service_status", "5"}}, 0},
        {"reissue with a new CSR", "12;manual;ab12", "12", {{"service_status", "5"}}, 0},
    };
    for (const auto& c : cases) {
        CAPTURE(c.name);
        ChargeMarker m = ChargeMarker::read(c.text);
        CHECK(m.state == State::kSending);  // pending, its outcome never recorded
        CHECK(m.operation == c.operation);
        CHECK(m.snapshot == c.snapshot);
        CHECK(m.started == c.started);
    }
}

TEST_CASE("charge guard: which runs read a marker, and what they decide") {
    pmtest::FakeHost host;
    pmb::Writeback writeback(host);
    std::time_t now = 1000;
    pmb::ChargeGuard::Settings settings{600, [&] { return now; }};
    using Scope = pmb::ChargeGuard::Scope;
    using pmb::EarlierCall;
    const pmb::UpstreamSnapshot before{{"status_msg", "Issued"}};
    const pmb::UpstreamSnapshot changed{{"status_msg", "Reissue requested"}};
    auto guard = [&](const std::string& marker, Scope scope = Scope::kOperation) {
        return pmb::ChargeGuard(writeback, 42, marker, "m", "77", scope, settings);
    };

    CHECK(guard("").judge(before) == EarlierCall::kNone);
    CHECK(guard("12;sending;900;status_msg=Issued").judge(changed) == EarlierCall::kNone);
    CHECK(guard("12;sending;900;pricelist=1", Scope::kAnyRun).judge(false) ==
          EarlierCall::kNotSent);
    CHECK(guard("77;sending;900;status_msg=Issued").judge(changed) == EarlierCall::kReached);
    // killed mid-call: nothing tells that the call left, so an unchanged upstream sends again
    CHECK(guard("77;sending;900;status_msg=Issued").judge(before) == EarlierCall::kNotSent);
    // a lost answer: an unchanged upstream is waited for, for the settle time
    CHECK(guard("77;unknown;900;status_msg=Issued").judge(before) == EarlierCall::kWait);
    now = 1500;
    CHECK(guard("77;unknown;900;status_msg=Issued").judge(before) == EarlierCall::kNotSent);
    CHECK(guard("77;unknown;900;status_msg=Issued").judge(changed) == EarlierCall::kReached);
    CHECK(guard("77;done").finished());
    CHECK_FALSE(guard("12;done").finished());
}
