// import --itemtype certificate: exactly the unlinked upstream certificates become services,
// with the fields BILLmanager needs; a second run imports nothing.
#include <doctest/doctest.h>

#include "fakes.h"
#include "lifecycle/order_builder.h"
#include "lifecycle/service_import.h"

using namespace pmb;
using pmtest::FakeApi;
using pmtest::FakeHost;

namespace {

constexpr long long kModule = 3;

UpstreamCertificate certificate(const std::string& id, const std::string& cn, int item_status,
                                int service_status) {
    UpstreamCertificate c;
    c.id = id;
    c.cn = cn;
    c.pricelist = "115";
    c.period = 12;
    c.createdate = "2025-01-10";
    c.expiredate = "2026-01-10";
    c.item_status = item_status;
    c.service_status = service_status;
    return c;
}

Item local_item(long long id, long long module, const std::string& upstream_id) {
    Item item;
    item.id = id;
    item.processingmodule = module;
    if (!upstream_id.empty())
        item.params[param::kUpstreamId] = upstream_id;
    return item;
}

// Each import call as "k=v k=v …" (sok included), in order.
pmtest::Lines imports(const FakeHost& host) {
    pmtest::Lines out;
    for (const auto& call : host.calls) {
        if (call.func != "processing.import.service")
            continue;
        std::string line;
        for (const auto& arg : call.args)
            line += (line.empty() ? "" : " ") + arg.name + "=" + arg.value;
        out.push_back(line);
    }
    return out;
}

struct ImportWorld {
    FakeHost host;
    FakeApi api;

    ImportWorld() {
        api.certs["5001"] = certificate("5001", "linked.example", 2, 5);
        host.add(local_item(1001, kModule, "5001"));
        api.certs["5002"] = certificate("5002", "issued.example", 2, 5);
        api.certs["5002"].altname = "www.issued.example shop.issued.example";
        api.certs["5003"] = certificate("5003", "pending.example", 5, 4);
        api.certs["5004"] = certificate("5004", "ordered-here.example", 5, 4);
        api.certs["5004"].remoteid = "1002";  // its reply was lost: service 1002 has no upstream_id
        host.add(local_item(1002, kModule, ""));
        api.certs["5005"] = certificate("5005", "deleted.example", 4, 5);
        api.certs["5006"] = certificate("5006", "other-module.example", 2, 5);
        host.add(local_item(1003, 9, "5006"));  // linked in another module: not ours
        api.certs["5007"] = certificate("5007", "gone-local.example", 2, 5);
        api.certs["5007"].remoteid = "1999";  // ordered by a service that no longer exists
    }
};

}  // namespace

TEST_CASE("service import: exactly the unlinked certificates, with their fields") {
    ImportWorld w;
    std::vector<std::string> created = ServiceImport(w.host, w.api).run(kModule);
    CHECK(created.size() == 4);
    CHECK(imports(w.host) ==
          pmtest::Lines{
              "module=3 import_itemtype_intname=certificate import_pricelist_intname=115 "
              "import_service_name=issued.example status=2 service_status=5 "
              "expiredate=2026-01-10 period=12 upstream_id=5002 CN=issued.example "
              "altname=www.issued.example shop.issued.example sok=ok",
              "module=3 import_itemtype_intname=certificate import_pricelist_intname=115 "
              "import_service_name=pending.example status=2 service_status=4 "
              "expiredate=2026-01-10 period=12 upstream_id=5003 CN=pending.example sok=ok",
              "module=3 import_itemtype_intname=certificate import_pricelist_intname=115 "
              "import_service_name=other-module.example status=2 service_status=5 "
              "expiredate=2026-01-10 period=12 upstream_id=5006 CN=other-module.example sok=ok",
              "module=3 import_itemtype_intname=certificate import_pricelist_intname=115 "
              "import_service_name=gone-local.example status=2 service_status=5 "
              "expiredate=2026-01-10 period=12 upstream_id=5007 CN=gone-local.example sok=ok",
          });
    // The list, then the form view of each certificate that gets imported.
    CHECK(w.api.calls == pmtest::Lines{"list", "get 5002", "get 5003", "get 5006", "get 5007"});
}

TEST_CASE("service import: a second run imports nothing") {
    ImportWorld w;
    ServiceImport(w.host, w.api).run(kModule);
    // What the fake host's processing.import.service would have created.
    long long next = 2001;
    for (const auto& call : w.host.calls)
        if (call.func == "processing.import.service")
            w.host.add(local_item(next++, kModule, call.arg("upstream_id")));
    w.host.clear();
    w.api.clear();
    CHECK(ServiceImport(w.host, w.api).run(kModule).empty());
    CHECK(imports(w.host).empty());
    CHECK(w.api.calls == pmtest::Lines{"list"});
}

TEST_CASE("service import: a remoteid only the form view shows still links") {
    ImportWorld w;
    w.api.expose_remoteid = false;  // the list has no remoteid column
    ServiceImport(w.host, w.api).run(kModule);
    for (const auto& line : imports(w.host))
        CHECK(line.find("upstream_id=5004") == std::string::npos);
    CHECK(imports(w.host).size() == 4);
}

TEST_CASE("service import: a refused certificate does not stop the others") {
    ImportWorld w;
    w.host.fail_on("processing.import.service", "upstream_id=5003");
    try {
        ServiceImport(w.host, w.api).run(kModule);
        FAIL("no error");
    } catch (const Error& e) {
        CHECK(e.type() == errtype::kMgrctl);
        CHECK(e.message().find("5003 (pending.example)") != std::string::npos);
    }
    CHECK(imports(w.host).size() == 4);  // 5003 was attempted; 5006 and 5007 still imported
}

TEST_CASE("service import: --searchstring imports only the certificates it names") {
    struct Case {
        const char* search;
        pmtest::Lines imported;
    };
    const Case cases[] = {
        {"", {"5002", "5003", "5006", "5007"}},
        {"pending.example", {"5003"}},
        {"  PENDING.example ,5007 ", {"5003", "5007"}},
        {"shop.issued.example", {"5002"}},  // a name of the certificate, not its CN
        {"5006", {"5006"}},
        {"nothing.example", {}},
    };
    for (const Case& c : cases) {
        CAPTURE(c.search);
        ImportWorld w;
        ServiceImport(w.host, w.api).run(kModule, ImportFilter(c.search));
        pmtest::Lines ids;
        for (const auto& call : w.host.calls)
            if (call.func == "processing.import.service")
                ids.push_back(call.arg("upstream_id"));
        CHECK(ids == c.imported);
    }
}

TEST_CASE("import filter: an IDN word matches the punycode names the upstream keeps") {
    pmb::UpstreamCertificate cert;
    cert.id = "77";
    cert.cn = "shop.xn--e1afmkfd.xn--p1ai";
    CHECK(ImportFilter("пример.рф").matches(cert));
    CHECK(ImportFilter("ПРИМЕР.РФ other.example").matches(cert));
    CHECK_FALSE(ImportFilter("other.example 7").matches(cert));
    CHECK(ImportFilter(" , ").matches(cert));  // no words: everything
}
