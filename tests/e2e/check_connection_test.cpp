// check_connection as BILLmanager runs it from the integration wizard: the form values on
// stdin, the real binary, the fake upstream over TLS.
#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <doctest/doctest.h>

#include <chrono>
#include <ctime>

#include "core/error.h"
#include "crypto.h"  // the fake upstream's own OpenSSL helpers
#include "harness.h"

using namespace pmtest;

namespace {

struct ErrorDoc {
    std::string type, msg;
};

ErrorDoc error_of(const ModuleResult& r) {
    auto attr = [&](const std::string& name) {
        auto pos = r.out.find(name + "=\"");
        if (pos == std::string::npos)
            return std::string();
        pos += name.size() + 2;
        return r.out.substr(pos, r.out.find('"', pos) - pos);
    };
    auto m = r.out.find("<msg>");
    std::string msg =
        m == std::string::npos ? "" : r.out.substr(m + 5, r.out.find("</msg>") - m - 5);
    return {attr("type"), msg};
}

// A TCP port that completes the handshake (the kernel does that for the backlog) and then
// says nothing: the never-answering host a firewall or a hung upstream looks like.
class SilentListener {
public:
    SilentListener() {
        fd_ = socket(AF_INET, SOCK_STREAM, 0);
        sockaddr_in address{};
        address.sin_family = AF_INET;
        address.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
        socklen_t size = sizeof address;
        REQUIRE(bind(fd_, reinterpret_cast<sockaddr*>(&address), size) == 0);
        REQUIRE(listen(fd_, 8) == 0);
        REQUIRE(getsockname(fd_, reinterpret_cast<sockaddr*>(&address), &size) == 0);
        port_ = ntohs(address.sin_port);
    }
    ~SilentListener() { close(fd_); }
    SilentListener(const SilentListener&) = delete;
    SilentListener& operator=(const SilentListener&) = delete;
    int port() const { return port_; }

private:
    int fd_ = -1;
    int port_ = 0;
};

ModuleResult check(World& w, const std::string& url, const std::string& password) {
    return w.run({"--command", "check_connection", "--module", std::to_string(w.module)},
                 w.check_connection_input(url, password));
}

void no_password_anywhere(World& w, const ModuleResult& r) {
    for (const std::string& where : {r.out, r.err, w.log()}) {
        CHECK(where.find(kUpstreamPassword) == std::string::npos);
        CHECK(where.find("Pass:") == std::string::npos);
    }
}

// A TLS folder for the fake upstream whose CA is `ca_dir`'s (so the module trusts it when
// given that ca.pem) and whose server certificate names only `host_name`: not the
// 127.0.0.1 the module connects to.
struct TlsDirForName {
    explicit TlsDirForName(const std::string& ca_dir, const std::string& host_name)
        : path(make_temp_dir("pmtest-tls-other-name-")) {
        for (const char* file : {"/ca.pem", "/ca.key"})
            write_file(path + file, read_file(ca_dir + file), 0600);
        fake_upstream::Authority ca = fake_upstream::load_or_create_authority(ca_dir);
        CsrPair server = make_csr(host_name, {host_name});
        write_file(path + "/server.key", server.key_pem, 0600);
        write_file(path + "/server.pem",
                   fake_upstream::issue_certificate(ca, server.csr_pem, host_name, {host_name},
                                                    std::time(nullptr) + 30 * 86400));
    }
    ~TlsDirForName() { remove_tree(path); }
    TlsDirForName(const TlsDirForName&) = delete;
    TlsDirForName& operator=(const TlsDirForName&) = delete;

    std::string path;
};

}  // namespace

TEST_CASE("good credentials: <doc/>, one POST with credentials only in the body") {
    World w;
    ModuleResult r = check(w, w.upstream.base_url(), kUpstreamPassword);
    CHECK(r.exit_code == 0);
    CHECK(r.out.find("<doc/>") != std::string::npos);
    auto requests = w.upstream_calls();
    REQUIRE(requests.size() == 1);
    CHECK(requests[0].method == "POST");
    CHECK(requests[0].path == "/billmgr");
    CHECK(requests[0].content_type.find("application/x-www-form-urlencoded") == 0);
    CHECK(requests[0].query.empty());
    CHECK(requests[0].param("authinfo") == std::string(kUpstreamUser) + ":" + kUpstreamPassword);
    CHECK(requests[0].source("authinfo") == "body");
    CHECK(requests[0].param("out") == "xml");
    CHECK(requests[0].param("lang") == "en");
    no_password_anywhere(w, r);
}

TEST_CASE("an http:// URL is refused before any request: the password needs https") {
    World w;
    std::string url = w.upstream.base_url();
    url.replace(0, url.find("://"), "http");
    ModuleResult r = check(w, url, kUpstreamPassword);
    CHECK(r.exit_code == 1);
    CHECK(error_of(r).type == "value");
    CHECK(error_of(r).msg.find("must use https://") != std::string::npos);
    CHECK(w.upstream_calls().empty());
    no_password_anywhere(w, r);
}

TEST_CASE("bad password: invalid_login_or_passwd") {
    World w;
    ModuleResult r = check(w, w.upstream.base_url(), "wrong-password");
    CHECK(r.exit_code == 1);
    CHECK(error_of(r).type == "invalid_login_or_passwd");
    CHECK(w.upstream_calls().size() == 1);  // an auth failure is not retried
}

TEST_CASE("two-factor account: a clear hint") {
    World w;
    w.upstream.set_two_factor(true);
    ModuleResult r = check(w, w.upstream.base_url(), kUpstreamPassword);
    CHECK(r.exit_code == 1);
    CHECK(error_of(r).type == pmb::errtype::kTwoFactor);
    CHECK(error_of(r).msg.find("two-factor") != std::string::npos);
    no_password_anywhere(w, r);
}

TEST_CASE("untrusted server certificate: a TLS error, never success") {
    WorldOptions o;
    o.trust_upstream_ca = false;
    World w(o);
    w.write_config("ReadRetries 0\n");
    ModuleResult r = check(w, w.upstream.base_url(), kUpstreamPassword);
    CHECK(r.exit_code == 1);
    CHECK(error_of(r).type == pmb::errtype::kConnection);
    CHECK(error_of(r).msg.find("127.0.0.1") != std::string::npos);
    CHECK(error_of(r).msg.find("certificate") != std::string::npos);
    CHECK(w.upstream_calls().empty());
    no_password_anywhere(w, r);
}

TEST_CASE("a trusted CA's certificate for another host name: refused, never success") {
    // The first world's CA signs both servers: trusted by the module in each world. Their
    // request logs tell what reached the API (the test's own admin client verifies the host
    // name as well, so it cannot ask the second one).
    const std::string logs = make_temp_dir("pmtest-tls-logs-");
    WorldOptions trusted_options;
    trusted_options.upstream.log_file = logs + "/trusted.log";
    World trusted(trusted_options);
    REQUIRE(check(trusted, trusted.upstream.base_url(), kUpstreamPassword).exit_code == 0);
    CHECK(read_file(logs + "/trusted.log").find("func=certificate") != std::string::npos);
    const std::string ca_dir =
        trusted.upstream.ca_file().substr(0, trusted.upstream.ca_file().rfind('/'));
    TlsDirForName other(ca_dir, "upstream.example.net");
    WorldOptions o;
    o.upstream.tls_dir = other.path;
    o.upstream.log_file = logs + "/other.log";
    World w(o);
    CHECK(read_file(w.upstream.ca_file()) == read_file(trusted.upstream.ca_file()));
    w.write_config("ReadRetries 2\n");

    ModuleResult r = check(w, w.upstream.base_url(), kUpstreamPassword);
    INFO(r.out);
    CHECK(r.exit_code == 1);
    CHECK(error_of(r).type == pmb::errtype::kConnection);
    CHECK(error_of(r).msg.find("127.0.0.1") != std::string::npos);
    CHECK(error_of(r).msg.find("certificate subject name") != std::string::npos);
    no_password_anywhere(w, r);

    // the same refusal for an item command, whose reads are otherwise retried
    CertificateOrder order = w.add_order({});
    ModuleResult open = w.run_item("open", order.item);
    INFO(open.out);
    CHECK(open.exit_code == 1);
    CHECK(error_of(open).msg.find("certificate subject name") != std::string::npos);
    CHECK(w.log().find("try 2 of") == std::string::npos);
    CHECK(w.host.item_status(order.item) == 1);
    // no request went over either connection
    CHECK(read_file(logs + "/other.log").find("func=") == std::string::npos);
    remove_tree(logs);
}

TEST_CASE("the module's own cafile param is honoured") {
    WorldOptions o;
    o.trust_upstream_ca = false;
    World w(o);
    std::string input = w.check_connection_input(w.upstream.base_url(), kUpstreamPassword);
    input.insert(input.find("</processingmodule>"),
                 "<cafile>" + w.upstream.ca_file() + "</cafile>");
    ModuleResult r = w.run({"--command", "check_connection"}, input);
    CHECK(r.exit_code == 0);
}

TEST_CASE("a hang past the timeout fails in bounded time with a timeout message") {
    World w;
    w.write_config("Timeout 2\nReadRetries 0\n");
    w.upstream.fault("certificate", "hang", {0, 20000});
    auto start = std::chrono::steady_clock::now();
    ModuleResult r = check(w, w.upstream.base_url(), kUpstreamPassword);
    auto seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
    CHECK(r.exit_code == 1);
    CHECK(error_of(r).type == pmb::errtype::kConnection);
    CHECK(error_of(r).msg.find("timed out") != std::string::npos);
    CHECK(seconds < 8);
}

TEST_CASE("upstream failures are readable errors, answered at once: no retries") {
    struct Case {
        const char* name;
        const char* kind;
        const char* type;
        const char* words;
    };
    const Case cases[] = {
        {"502 with an HTML page", "http502", pmb::errtype::kBadResponse, "502"},
        {"500", "http500", pmb::errtype::kBadResponse, "500"},
        {"truncated XML", "truncated", pmb::errtype::kBadResponse, "XML"},
        {"empty body", "empty", pmb::errtype::kBadResponse, "empty"},
        {"HTML with status 200", "html", pmb::errtype::kBadResponse, "HTML"},
    };
    for (const Case& c : cases) {
        CAPTURE(c.name);
        World w;
        w.write_config("ReadRetries 2\n");
        w.upstream.fault("certificate", c.kind, {0});
        ModuleResult r = check(w, w.upstream.base_url(), kUpstreamPassword);
        CHECK(r.exit_code == 1);
        CHECK(error_of(r).type == c.type);
        CHECK(error_of(r).msg.find(c.words) != std::string::npos);
        // the setup wizard waits for this answer: ReadRetries does not apply here
        CHECK(w.upstream_calls().size() == 1);
        no_password_anywhere(w, r);
    }
}

TEST_CASE("a host that accepts TCP and never answers: error XML within about 5 s") {
    World w;
    w.write_config("ConnectTimeout 2\nTimeout 3\n");  // ReadRetries stays at its default 3
    SilentListener silent;
    auto start = std::chrono::steady_clock::now();
    ModuleResult r =
        check(w, "https://127.0.0.1:" + std::to_string(silent.port()), kUpstreamPassword);
    auto seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
    CHECK(r.exit_code == 1);
    CHECK(error_of(r).type == pmb::errtype::kConnection);
    CHECK(error_of(r).msg.find("timed out after 2 s") != std::string::npos);
    CHECK(seconds < 5.5);
    no_password_anywhere(w, r);
}

TEST_CASE("a bare host falls back to /manager/billmgr on 404") {
    WorldOptions o;
    o.upstream.paths = {"/manager/billmgr"};
    World w(o);
    ModuleResult r = check(w, w.upstream.base_url(), kUpstreamPassword);
    CHECK(r.exit_code == 0);
    auto requests = w.upstream_calls();
    REQUIRE(!requests.empty());
    CHECK(requests.back().path == "/manager/billmgr");
}

TEST_CASE("a full URL is used as given") {
    WorldOptions o;
    o.upstream.paths = {"/manager/billmgr"};
    World w(o);
    ModuleResult r = check(w, w.upstream.base_url() + "/manager/billmgr", kUpstreamPassword);
    CHECK(r.exit_code == 0);
    CHECK(w.upstream_calls().size() == 1);
}

TEST_CASE("malformed stdin is a clear error") {
    World w;
    ModuleResult r = w.run({"--command", "check_connection"}, "<doc><processingmodule>");
    CHECK(r.exit_code == 1);
    CHECK(error_of(r).type == "value");
    CHECK(w.upstream_calls().empty());
}
