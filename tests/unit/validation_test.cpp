// Domain validation after the order: the data the client must publish, copied from the
// upstream's certificate.edit into the item params, and the re-send commands. Every case
// asserts the exact upstream calls and BILLmanager calls.
#include <doctest/doctest.h>

#include "certificate_service_fixture.h"
#include "lifecycle/validation_data.h"

using namespace pmtest;
using Fields = std::vector<std::pair<std::string, std::string>>;

namespace {

UpstreamCertificate form_with(const Fields& fields) {
    UpstreamCertificate cert;
    cert.id = "1001";
    cert.fields = fields;
    return cert;
}

// Item 42 open as upstream 1001, awaiting validation, its form carrying these fields.
void awaiting(World& w, const Fields& fields) {
    opened(w, 4);
    w.host.at(42).params["service_status"] = "4";
    w.api.certs["1001"].fields = fields;
}

}  // namespace

TEST_CASE("validation data: each param from the first accepted name the form carries") {
    struct Case {
        const char* name;
        Fields fields;
        std::map<std::string, std::string> params;
    };
    const Case cases[] = {
        {"ISPsystem's names",
         {{"auth_dnstxt_value", "tok"}, {"domains_list", "a.com,www.a.com"}},
         {{"auth_dnstxt_value", "tok"}, {"domains_list", "a.com,www.a.com"}}},
        {"other names; the names list made comma-separated",
         {{"dns_value", "tok"}, {"dcv_fqdn", "a.com www.a.com\nb.com"}},
         {{"auth_dnstxt_value", "tok"}, {"domains_list", "a.com,www.a.com,b.com"}}},
        {"first found wins, in the listed order",
         {{"txt_value", "second"}, {"dnstxt", "first"}, {"verification_fqdn", "v.com"}},
         {{"auth_dnstxt_value", "first"}, {"domains_list", "v.com"}}},
        {"an empty field is not found",
         {{"auth_dnstxt_value", " "}, {"dcv_dns_value", "tok"}},
         {{"auth_dnstxt_value", "tok"}}},
        {"the file method",
         {{"dcv_file_name", "x.txt"}, {"file_content", "abc"}},
         {{"auth_file_name", "x.txt"}, {"auth_file_value", "abc"}}},
        {"nothing to publish", {{"approver_method", "auth_email"}, {"CN", "a.com"}}, {}},
    };
    for (const auto& c : cases) {
        CAPTURE(c.name);
        CHECK(pmb::read_validation_data(form_with(c.fields)).params == c.params);
    }
    auto data = pmb::read_validation_data(form_with({{"approver_method", "auth_dnstxt"},
                                                     {"approver_email_1", "a@a.com"},
                                                     {"auth_file_protocol", "off"},
                                                     {"dnstxt", "tok"},
                                                     {"dcv_status", "pending"},
                                                     {"auth_cname_target", "x.ca.com"},
                                                     {"dnstxt_host", "_dnsauth"},
                                                     {"new_approver", "b@a.com"},
                                                     {"dcv_private_key", "PEM"},
                                                     {"status", "4"}}));
    CHECK(data.unknown_fields == Lines{"dcv_status=pending", "auth_cname_target=x.ca.com",
                                       "dnstxt_host=_dnsauth", "new_approver=b@a.com",
                                       "dcv_private_key=[hidden]"});
}

TEST_CASE("sync while awaiting validation: params written once, again only when changed") {
    World w;
    awaiting(w, {{"auth_dnstxt_value", "tok-1"}, {"domains_list", "www.example.com"}});

    w.service.sync(42);
    CHECK(w.api.calls == Lines{"get 1001"});
    CHECK(w.host.journal() ==
          Lines{save("auth_dnstxt_value", "tok-1"), save("domains_list", "www.example.com")});

    w.clear();
    w.service.sync(42);
    CHECK(w.host.journal().empty());

    w.api.certs["1001"].fields = {{"auth_dnstxt_value", "tok-2"},
                                  {"domains_list", "www.example.com"}};
    w.clear();
    w.service.sync(42);
    CHECK(w.host.journal() == Lines{save("auth_dnstxt_value", "tok-2")});
}

TEST_CASE("sync: other validation fields are logged once per item, again when they change") {
    World w;
    awaiting(w, {{"dcv_status", "pending"}});
    w.service.sync(42);
    CHECK(w.host.journal() == Lines{save("dcv_fields_logged", "dcv_status")});
    w.clear();
    w.service.sync(42);
    CHECK(w.host.journal().empty());
    w.api.certs["1001"].fields.emplace_back("auth_http_url", "http://x");
    w.clear();
    w.service.sync(42);
    CHECK(w.host.journal() == Lines{save("dcv_fields_logged", "dcv_status,auth_http_url")});
}

TEST_CASE("sync: nothing is copied from an issued or failed certificate") {
    for (int status : {5, 6}) {
        CAPTURE(status);
        World w;
        awaiting(w, {{"auth_dnstxt_value", "tok-1"}});
        w.api.certs["1001"].service_status = status;
        w.api.files["1001"] = delivered(kPem);
        w.service.sync(42);
        for (const auto& call : w.host.journal())
            CHECK(call.find("auth_dnstxt_value") == std::string::npos);
    }
}

TEST_CASE("send_dv_email: the configured function, then approver_email and one sync") {
    World w;
    awaiting(w, {});
    w.service.resend_approver_email(42, "certificate.dcv.email",
                                    "hostmaster@example.com, webmaster@example.com");
    CHECK(w.api.calls == Lines{"resend_email certificate.dcv.email 1001 "
                               "hostmaster@example.com,webmaster@example.com",
                               "get 1001"});
    CHECK(w.host.journal() ==
          Lines{save("approver_email", "hostmaster@example.com,webmaster@example.com")});
}

TEST_CASE("send_dv_email: refused before any call without a function, addresses or order") {
    World w;
    awaiting(w, {});
    expect_refused_untouched(
        w, [&] { w.service.resend_approver_email(42, "", "a@example.com"); }, "unsupported",
        "DcvEmailFunction");
    try {
        w.service.resend_approver_email(42, "", "a@example.com");
    } catch (const pmb::Error& e) {
        CHECK(e.message().find("probe_upstream") != std::string::npos);
    }
    expect_refused_untouched(
        w, [&] { w.service.resend_approver_email(42, "f", " , "); }, "missed", "emails");
    expect_refused_untouched(
        w, [&] { w.service.resend_approver_email(42, "f", "a@example.com,nobody"); }, "value",
        "emails");
    w.host.at(42).params.erase("upstream_id");
    expect_refused_untouched(
        w, [&] { w.service.resend_approver_email(42, "f", "a@example.com"); }, "missed",
        "upstream_id");
}

TEST_CASE("send_dv_email: an upstream error saves nothing and syncs nothing") {
    World w;
    awaiting(w, {});
    w.api.fail("resend_email", pmb::UpstreamError::Failure::kApi);
    CHECK_THROWS_AS(w.service.resend_approver_email(42, "f", "a@example.com"), UpstreamError);
    CHECK(w.api.calls == Lines{"resend_email f 1001 a@example.com"});
    CHECK(w.host.journal().empty());
}

TEST_CASE("send_dv_dns: the configured function for one domain, then one sync; unset: sync") {
    World w;
    awaiting(w, {{"auth_dnstxt_value", "tok-1"}});
    w.service.recheck_dns(42, "certificate.dcv.dns", "WWW.example.com");
    CHECK(w.api.calls == Lines{"recheck_dns certificate.dcv.dns 1001 www.example.com", "get 1001"});
    CHECK(w.host.journal() == Lines{save("auth_dnstxt_value", "tok-1")});

    w.clear();
    w.service.recheck_dns(42, "", "anything.example.org");
    CHECK(w.api.calls == Lines{"get 1001"});
    CHECK(w.host.journal().empty());

    w.clear();
    expect_refused_untouched(
        w, [&] { w.service.recheck_dns(42, "f", "other.example.org"); }, "value", "domain");
    expect_refused_untouched(
        w, [&] { w.service.recheck_dns(42, "f", ""); }, "missed", "domain");
}
