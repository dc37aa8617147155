// Shared by the certificate lifecycle tests (certificate_*_test.cpp): one item (42) on a
// fake host, a fake upstream, the service joining them, and the expected host calls.
#pragma once

#include <doctest/doctest.h>

#include <ctime>
#include <functional>
#include <string>

#include "fakes.h"
#include "lifecycle/certificate_service.h"
#include "lifecycle/template_cache.h"
#include "test_util.h"

namespace pmtest {

using pmb::Item;
using pmb::UpstreamCertificate;
using pmb::UpstreamError;

// The running operation of the service under test (the attempt markers carry it).
inline const std::string kOperation = "77";

// One item (42) on a fake host, a fake upstream, and the service joining them. The charge
// guard's clock is `now` (set it to move time); a retry after a lost answer does not wait
// unless a test builds a service with settings(seconds) of its own.
struct World {
    FakeHost host;
    FakeApi api;
    pmb::TemplateCache templates{"/nonexistent/pmbillmgrssl.templates.xml"};  // none cached
    std::time_t now = std::time(nullptr);
    pmb::CertificateService service{host, api, templates, kOperation, nullptr, settings(0)};

    pmb::ChargeGuard::Settings settings(std::time_t settle_seconds) {
        return {settle_seconds, [this] { return now; }};
    }

    explicit World(const Item& item = base_item()) { host.add(item); }
    World(const World&) = delete;
    World& operator=(const World&) = delete;
    Item item() { return host.at(42); }
    void clear() {
        host.clear();
        api.clear();
    }
};

// The step fails with this error type and object, and touches neither side.
template <typename Step>
void expect_refused_untouched(World& w, Step step, const std::string& type,
                              const std::string& object) {
    auto [got_type, got_object] = error_of(step);
    CHECK(got_type == type);
    CHECK(got_object == object);
    CHECK(w.api.calls.empty());
    CHECK(w.host.journal().empty());
}

// Expected host calls, in Writeback's argument order.
inline std::string save(const std::string& name, const std::string& value) {
    return "service.saveparam elid=42 name=" + name + " value=" + value + " sok=ok";
}
inline std::string drop(const std::string& name) {
    return "service.saveparam elid=42 name=" + name + " sok=ok";
}
inline std::string status(int s) {
    return "service.setstatus elid=42 service_status=" + std::to_string(s);
}
inline std::string post(const std::string& what) {
    return "service.post" + what + " elid=42 sok=ok";
}
inline std::string expire(const std::string& date) {
    return "service.setexpiredate elid=42 expiredate=" + date;
}
// The charge markers this world's service writes: "<operation>;<state>;<now>;<snapshot>".
inline std::string marker(const World& w, pmb::ChargeMarker::State state,
                          const pmb::UpstreamSnapshot& snapshot, const std::string& note = "") {
    return pmb::ChargeMarker{state, kOperation, w.now, snapshot, note}.text();
}
inline std::string sending(const World& w, const pmb::UpstreamSnapshot& snapshot,
                           const std::string& note = "") {
    return marker(w, pmb::ChargeMarker::State::kSending, snapshot, note);
}
inline std::string unknown(const World& w, const pmb::UpstreamSnapshot& snapshot,
                           const std::string& note = "") {
    return marker(w, pmb::ChargeMarker::State::kUnknown, snapshot, note);
}
inline const std::string kDone = kOperation + ";done";
// The order's marker snapshot: the tariff ordered (1042).
inline const pmb::UpstreamSnapshot kOrdered{{"pricelist", "1042"}};
// What the upstream shows of item 42's certificate now: a renewal's or reissue's snapshot.
inline pmb::UpstreamSnapshot shown(World& w, const std::string& id = "1001") {
    return pmb::snapshot_of(w.api.certs.at(id));
}

inline Item with_csr(Item item, const std::string& csr) {
    item.certificate.present = true;
    item.certificate.csr = csr;
    return item;
}

inline UpstreamCertificate decoy(const std::string& id, const std::string& cn,
                                 const std::string& pricelist, const std::string& createdate,
                                 const std::string& remoteid, int item_status = 2) {
    UpstreamCertificate c;
    c.id = id;
    c.cn = cn;
    c.pricelist = pricelist;
    c.createdate = createdate;
    c.remoteid = remoteid;
    c.item_status = item_status;
    c.service_status = 4;
    return c;
}

// Makes item 42 open as upstream 1001 (service status 3 "requested"), the upstream
// certificate in the given service status, expiring 2026-03-01.
inline void opened(World& w, int upstream_service_status) {
    Item& item = w.host.at(42);
    item.status = 2;
    item.params["upstream_id"] = "1001";
    item.params["service_status"] = "3";
    UpstreamCertificate cert =
        decoy("1001", "www.example.com", "1042", "2025-03-01 10:00:00", "42");
    cert.expiredate = "2026-03-01 00:00:00";
    cert.period = 12;
    cert.service_status = upstream_service_status;
    w.api.certs["1001"] = cert;
}

// An open item whose upstream call `method` fails: the step throws and writes nothing back.
template <typename Step>
void expect_upstream_failure_untouched(World& w, const std::string& method, Failure failure,
                                       Step step) {
    opened(w, 5);
    w.api.fail(method, failure);
    CHECK_THROWS_AS(step(), UpstreamError);
    CHECK(w.host.journal().empty());
}

// A real certificate for example.com and www.example.com, then its CA.
inline const std::string kPem = data_file("certificate/leaf.pem") + data_file("certificate/ca.pem");

// certificate.file delivering one file with this content.
inline pmb::IssuedFile delivered(const std::string& content) {
    return pmb::IssuedFile{{{"", content}}};
}

}  // namespace pmtest
