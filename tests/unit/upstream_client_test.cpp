// ApiClient and UpstreamCertificateApi against a scripted local plain-HTTP server:
// endpoint fallback, retry policy, keep-alive, limits, transport errors and log scrubbing.
#include <arpa/inet.h>
#include <netinet/in.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <doctest/doctest.h>

#include <atomic>
#include <chrono>
#include <cstdio>
#include <fstream>
#include <functional>
#include <mutex>
#include <sstream>
#include <stdexcept>
#include <thread>

#include "app/upstream_certificate_api.h"
#include "core/log.h"
#include "core/scrub.h"
#include "upstream/client.h"
#include "upstream/functions.h"
#include "upstream/response.h"

using namespace pmb;
using namespace pmb::upstream;
using Failure = UpstreamError::Failure;

namespace {

const std::string kOk = "<?xml version=\"1.0\"?><doc><ok/></doc>";
const std::string kPassword = "p&+:%@ пароль";

struct Received {
    std::string target;  // path and query of the request line
    std::string body;
};

struct Reply {
    int status = 200;
    std::string body = kOk;
    int delay_ms = 0;
};

// HTTP/1.1 server on 127.0.0.1 with keep-alive, a thread per connection; a handler scripts
// the replies.
class ScriptedServer {
public:
    using Handler = std::function<Reply(const Received&, int index)>;

    explicit ScriptedServer(Handler handler) : handler_(std::move(handler)) {
        listener_ = socket(AF_INET, SOCK_STREAM, 0);
        sockaddr_in address{};
        address.sin_family = AF_INET;
        address.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
        socklen_t size = sizeof address;
        if (bind(listener_, reinterpret_cast<sockaddr*>(&address), size) != 0 ||
            listen(listener_, 8) != 0 ||
            getsockname(listener_, reinterpret_cast<sockaddr*>(&address), &size) != 0)
            throw std::runtime_error("cannot start the test server");
        port_ = ntohs(address.sin_port);
        thread_ = std::thread([this] { serve(); });
    }

    ~ScriptedServer() {
        stop_ = true;
        thread_.join();
        for (std::thread& connection : connection_threads_)
            connection.join();
        close(listener_);
    }

    std::string url(const std::string& path = "") const {
        return "http://127.0.0.1:" + std::to_string(port_) + path;
    }
    std::vector<Received> received() const {
        std::lock_guard<std::mutex> lock(mutex_);
        return received_;
    }
    int connections() const { return connections_; }

private:
    // Waits until fd is readable or the server stops.
    bool wait_readable(int fd) const {
        pollfd p{fd, POLLIN, 0};
        while (!stop_)
            if (poll(&p, 1, 20) > 0)
                return true;
        return false;
    }

    void serve() {
        while (wait_readable(listener_)) {
            int connection = accept(listener_, nullptr, nullptr);
            if (connection < 0)
                continue;
            ++connections_;
            // Its own thread: a charging call opens a new connection while the client
            // still keeps the idle keep-alive one.
            connection_threads_.emplace_back([this, connection] {
                while (handle_one(connection)) {
                }
                close(connection);
            });
        }
    }

    bool read_more(int fd, std::string& buffer) const {
        char chunk[4096];
        if (!wait_readable(fd))
            return false;
        ssize_t n = recv(fd, chunk, sizeof chunk, 0);
        if (n <= 0)
            return false;
        buffer.append(chunk, static_cast<size_t>(n));
        return true;
    }

    bool handle_one(int fd) {
        std::string buffer;
        size_t header_end;
        while ((header_end = buffer.find("\r\n\r\n")) == std::string::npos) {
            if (!read_more(fd, buffer))
                return false;
            if (buffer[0] == '\x16')
                return false;  // a TLS handshake: hang up at once
        }
        std::string head = buffer.substr(0, header_end);
        size_t length_at = head.find("Content-Length: ");
        size_t length =
            length_at == std::string::npos ? 0 : std::stoul(head.substr(length_at + 16));
        while (buffer.size() < header_end + 4 + length)
            if (!read_more(fd, buffer))
                return false;
        size_t target_begin = head.find(' ') + 1;
        Received request{head.substr(target_begin, head.find(' ', target_begin) - target_begin),
                         buffer.substr(header_end + 4, length)};
        int index = 0;
        {
            std::lock_guard<std::mutex> lock(mutex_);
            received_.push_back(request);
            index = static_cast<int>(received_.size()) - 1;
        }
        Reply reply = handler_(request, index);
        std::this_thread::sleep_for(std::chrono::milliseconds(reply.delay_ms));
        std::string response =
            "HTTP/1.1 " + std::to_string(reply.status) +
            " X\r\nContent-Type: text/xml\r\nContent-Length: " + std::to_string(reply.body.size()) +
            "\r\n\r\n" + reply.body;
        return send(fd, response.data(), response.size(), MSG_NOSIGNAL) ==
               static_cast<ssize_t>(response.size());
    }

    Handler handler_;
    int listener_ = -1;
    int port_ = 0;
    std::thread thread_;
    std::vector<std::thread> connection_threads_;
    std::atomic<bool> stop_{false};
    std::atomic<int> connections_{0};
    mutable std::mutex mutex_;
    std::vector<Received> received_;
};

ScriptedServer::Handler always(Reply reply) {
    return [reply](const Received&, int) { return reply; };
}

Connection connection_to(const std::string& url) {
    Connection connection;
    connection.url = url;
    connection.username = "reseller@example.com";
    connection.password = kPassword;
    connection.connect_timeout_s = 5;
    connection.timeout_s = 5;
    connection.read_retries = 3;
    connection.retry_delay_ms = 1;
    return connection;
}

UpstreamError error_of(const std::function<void()>& call) {
    try {
        call();
    } catch (const UpstreamError& error) {
        return error;
    }
    throw std::logic_error("no UpstreamError thrown");
}

std::string read_file(const std::string& path) {
    std::ifstream in(path);
    std::ostringstream text;
    text << in.rdbuf();
    return text.str();
}

}  // namespace

TEST_CASE("upstream retry policy: which failures a read repeats, and never a charging call") {
    auto failure = [](Failure kind, long status = 0) {
        return UpstreamError(kind, "t", "", "", "m", status);
    };
    const Request read = functions::list();
    const Request charging = functions::prolong("1", 12);
    for (Failure kind : {Failure::kTransport, Failure::kBadResponse}) {
        CHECK(should_retry(failure(kind), read, 0, 3));
        CHECK_FALSE(should_retry(failure(kind), charging, 0, 3));
        CHECK_FALSE(should_retry(failure(kind), read, 3, 3));
    }
    CHECK(should_retry(failure(Failure::kHttp, 503), read, 2, 3));
    CHECK_FALSE(should_retry(failure(Failure::kHttp, 404), read, 0, 3));
    CHECK_FALSE(should_retry(failure(Failure::kHttp, 503), charging, 0, 3));
    for (Failure kind : {Failure::kAuth, Failure::kTwoFactor, Failure::kNotFound, Failure::kBalance,
                         Failure::kApi})
        CHECK_FALSE(should_retry(failure(kind), read, 0, 3));
    CHECK(backoff_delay_ms(500, 0) == 500);
    CHECK(backoff_delay_ms(500, 1) == 1000);
    CHECK(backoff_delay_ms(500, 2) == 2000);
}

TEST_CASE("upstream client: a POST to /billmgr with everything in the body") {
    ScriptedServer server(always({}));
    ApiClient client(connection_to(server.url()));
    Request request("certificate.edit");
    request.add("elid", "101");
    client.call(request);
    auto received = server.received();
    REQUIRE(received.size() == 1);
    CHECK(received[0].target == "/billmgr");  // nothing in the query string
    CHECK(received[0].body ==
          "authinfo=reseller%40example.com:p%26%2B%3A%25%40%20%D0%BF%D0%B0%D1%80%D0%BE%D0%BB%D1%8C"
          "&func=certificate.edit&out=xml&lang=en&elid=101");
    CHECK(client.round_trips() == 1);
    CHECK(client.origin() == server.url());
}

TEST_CASE("upstream client: a bare host falls back to /manager/billmgr once, then remembers") {
    ScriptedServer server([](const Received& request, int) {
        return request.target == "/billmgr" ? Reply{404, "not here"} : Reply{};
    });
    ApiClient client(connection_to(server.url("/")));
    client.call(functions::list());
    client.call(functions::list());
    auto received = server.received();
    REQUIRE(received.size() == 3);
    CHECK(received[0].target == "/billmgr");
    CHECK(received[1].target == "/manager/billmgr");
    CHECK(received[2].target == "/manager/billmgr");
    CHECK(client.round_trips() == 3);
}

TEST_CASE("upstream client: a money-spending call also follows the 404 fallback") {
    ScriptedServer server([](const Received& request, int) {
        return request.target == "/billmgr" ? Reply{404, ""} : Reply{200, "<doc><id>9</id></doc>"};
    });
    ApiClient client(connection_to(server.url()));
    CHECK(find_new_id(client.call(functions::prolong("1", 12))) == "9");
}

TEST_CASE("upstream client: 404 on both endpoints names both paths") {
    ScriptedServer server(always({404, ""}));
    ApiClient client(connection_to(server.url()));
    UpstreamError error = error_of([&] { client.call(functions::list()); });
    CHECK(error.failure() == Failure::kHttp);
    CHECK(error.http_status() == 404);
    CHECK(error.message() ==
          "the upstream " + server.url() +
              " answered HTTP 404 at /billmgr and /manager/billmgr; check the URL");
    CHECK(client.round_trips() == 2);  // a 404 is not retried
}

TEST_CASE("upstream client: a full URL is used as given, without fallback") {
    ScriptedServer server(always({404, ""}));
    ApiClient client(connection_to(server.url("/custom/billmgr")));
    UpstreamError error = error_of([&] { client.call(functions::list()); });
    CHECK(error.http_status() == 404);
    auto received = server.received();
    REQUIRE(received.size() == 1);
    CHECK(received[0].target == "/custom/billmgr");
}

TEST_CASE("upstream client: reads retry 5xx and bad bodies, then succeed") {
    ScriptedServer server([](const Received&, int index) {
        if (index == 0)
            return Reply{503, "busy"};
        if (index == 1)
            return Reply{200, "<html><body>maintenance</body></html>"};
        return Reply{};
    });
    ApiClient client(connection_to(server.url("/billmgr")));
    CHECK_NOTHROW(client.call(functions::list()));
    CHECK(client.round_trips() == 3);
}

TEST_CASE("upstream client: reads give up after read_retries extra tries") {
    ScriptedServer server(always({502, "bad gateway"}));
    Connection connection = connection_to(server.url("/billmgr"));
    connection.read_retries = 2;
    ApiClient client(connection);
    UpstreamError error = error_of([&] { client.call(functions::list()); });
    CHECK(error.http_status() == 502);
    CHECK(client.round_trips() == 3);
}

TEST_CASE("upstream client: no read retry starts once the command's time budget is spent") {
    ScriptedServer server(always({500, "busy"}));
    Connection connection = connection_to(server.url("/billmgr"));
    connection.retry_delay_ms = 600;  // the second retry would end its wait after 1.8 s
    connection.command_budget_s = 1;
    ApiClient client(connection);
    UpstreamError error = error_of([&] { client.call(functions::list()); });
    CHECK(error.failure() == Failure::kHttp);
    CHECK(server.received().size() == 2);  // of the 4 tries ReadRetries 3 would allow
}

TEST_CASE("upstream retry policy: a permanent failure is never repeated") {
    UpstreamError error(Failure::kTransport, "t", "", "", "certificate verify failed");
    CHECK(should_retry(error, functions::list(), 0, 3));
    error.make_permanent();
    CHECK_FALSE(error.retryable());
    CHECK_FALSE(should_retry(error, functions::list(), 0, 3));
}

TEST_CASE("upstream client: order and prolong are never retried") {
    ScriptedServer server(always({503, "busy"}));
    UpstreamCertificateApi api(connection_to(server.url("/billmgr")));
    CHECK(error_of([&] { api.prolong("101", 12); }).http_status() == 503);
    CHECK(api.round_trips() == 1);
    CHECK(error_of([&] { api.order(OrderRequest{}); }).http_status() == 503);
    CHECK(api.round_trips() == 2);
}

TEST_CASE("upstream client: an API error is not retried") {
    ScriptedServer server(always(
        {200, "<doc><error type=\"auth\" object=\"badpassword\"><msg>no</msg></error></doc>"}));
    ApiClient client(connection_to(server.url("/billmgr")));
    UpstreamError error = error_of([&] { client.call(functions::list()); });
    CHECK(error.failure() == Failure::kAuth);
    CHECK(error.message() == "the upstream " + server.url() + " rejected the username or password");
    CHECK(client.round_trips() == 1);
}

TEST_CASE("upstream client: every call of a run shares one connection") {
    ScriptedServer server(always({}));
    ApiClient client(connection_to(server.url("/billmgr")));
    for (int i = 0; i < 3; ++i)
        client.call(functions::list());
    CHECK(server.connections() == 1);
    CHECK(client.round_trips() == 3);
}

TEST_CASE("upstream client: a charging call goes on a connection of its own, closed after") {
    ScriptedServer server(always({}));
    ApiClient client(connection_to(server.url("/billmgr")));
    client.call(functions::list());
    client.call(functions::prolong("101", 12));
    CHECK(server.connections() == 2);
    client.call(functions::list());  // back on the kept-alive one
    CHECK(server.connections() == 2);
    client.call(functions::reissue("101", {"oldrequest", "", "", {}}));
    client.call(functions::order(OrderRequest{}));
    CHECK(server.connections() == 4);
    CHECK(client.round_trips() == 5);
}

TEST_CASE("upstream client: only order, reissue and prolong are charging calls") {
    CHECK(functions::order(OrderRequest{}).charging());
    CHECK(functions::prolong("1", 12).charging());
    CHECK(functions::reissue("1", {"oldrequest", "", "", {}}).charging());
    CHECK_FALSE(functions::generate_key(OrderRequest{}).charging());
    CHECK_FALSE(functions::list().charging());
    CHECK_FALSE(functions::get("1").charging());
    CHECK_FALSE(functions::download("1").charging());
    CHECK_FALSE(functions::remove("1").charging());
    CHECK_FALSE(functions::pricelist_export("").charging());
}

TEST_CASE("upstream client: a charging call that lost its answer has an unknown outcome") {
    ScriptedServer server(always({200, kOk, 1500}));
    Connection connection = connection_to(server.url("/billmgr"));
    connection.timeout_s = 1;
    ApiClient client(connection);
    UpstreamError error = error_of([&] { client.call(functions::prolong("101", 12)); });
    CHECK(error.failure() == Failure::kTransport);
    CHECK(error.type() == pmb::errtype::kUnknownOutcome);
    CHECK(error.message() == "the outcome of service.prolong at " + server.url() +
                                 " is unknown (timed out after 1 s): the upstream may have "
                                 "applied it; the next run checks the upstream before charging "
                                 "again");
    CHECK(client.round_trips() == 1);  // never retried, whatever the caller asked
    CHECK(server.received().size() == 1);
}

TEST_CASE("upstream client: a charging call that surely never left says cannot reach") {
    ScriptedServer server(always({}));
    const std::string port = server.url().substr(server.url().rfind(':') + 1);
    for (const std::string& url :
         std::vector<std::string>{"http://127.0.0.1:1", "https://127.0.0.1:" + port}) {
        CAPTURE(url);
        ApiClient client(connection_to(url + "/billmgr"));
        UpstreamError error = error_of([&] { client.call(functions::prolong("1", 12)); });
        CHECK(error.type() == pmb::errtype::kConnection);
        CHECK(error.message().find("cannot reach " + url + ": ") == 0);
    }
}

TEST_CASE("upstream client: a redirect is an error and is not followed") {
    ScriptedServer server(always({302, ""}));
    ApiClient client(connection_to(server.url("/billmgr")));
    UpstreamError error = error_of([&] { client.call(functions::list()); });
    CHECK(error.http_status() == 302);
    CHECK(server.received().size() == 1);
}

TEST_CASE("upstream client: a body over max_response_bytes is refused") {
    ScriptedServer server(always({200, "<doc>" + std::string(4096, 'x') + "</doc>"}));
    Connection connection = connection_to(server.url("/billmgr"));
    connection.max_response_bytes = 1024;
    connection.read_retries = 0;
    ApiClient client(connection);
    UpstreamError error = error_of([&] { client.call(functions::list()); });
    CHECK(error.failure() == Failure::kBadResponse);
    CHECK(error.message().find("larger than 1024 bytes") != std::string::npos);
}

TEST_CASE("upstream client: transport failures name the host, never the path") {
    Connection connection = connection_to("http://127.0.0.1:1/billmgr?x=secretpath");
    connection.read_retries = 0;
    ApiClient client(connection);
    UpstreamError error = error_of([&] { client.call(functions::list()); });
    CHECK(error.failure() == Failure::kTransport);
    CHECK(error.type() == pmb::errtype::kConnection);
    CHECK(error.message().find("cannot reach http://127.0.0.1:1: ") == 0);
    CHECK(error.message().find("secretpath") == std::string::npos);
    CHECK(error.retryable());
}

TEST_CASE("upstream client: TLS is verified (a plain server behind https:// fails)") {
    ScriptedServer server(always({}));
    std::string https_url = "https://127.0.0.1:" + server.url().substr(server.url().rfind(':') + 1);
    Connection connection = connection_to(https_url + "/billmgr");
    connection.read_retries = 0;
    ApiClient client(connection);
    UpstreamError error = error_of([&] { client.call(functions::list()); });
    CHECK(error.failure() == Failure::kTransport);
    CHECK(error.message().find("cannot reach " + https_url + ": ") == 0);
}

TEST_CASE("upstream client: a slow upstream times out with the limit in the message") {
    ScriptedServer server(always({200, kOk, 1500}));
    Connection connection = connection_to(server.url("/billmgr"));
    connection.timeout_s = 1;
    connection.read_retries = 0;
    ApiClient client(connection);
    UpstreamError error = error_of([&] { client.call(functions::list()); });
    CHECK(error.failure() == Failure::kTransport);
    CHECK(error.message() == "cannot reach " + server.url() + ": timed out after 1 s");
}

TEST_CASE("upstream api: a list answer of certificate.file is read row by row, one connection") {
    const std::string key_der_base64 = "MIIEvAIBADANBgkqhkiG9w0BAQEFAASCBKYwggSiAgEAAoIBAQ";
    std::vector<std::string> bodies;
    ScriptedServer server([&](const Received& request, int) {
        bodies.push_back(request.body);
        auto has = [&](const char* text) { return request.body.find(text) != std::string::npos; };
        if (has("&func=certificate.file.edit&") && has("&elid=key"))
            return Reply{200, "<doc><content>" + key_der_base64 + "</content></doc>"};
        if (has("&func=certificate.file.edit&"))
            return Reply{200, "<doc><name>a.crt</name><content>CRT</content></doc>"};
        return Reply{200,
                     "<doc><elem><id>7</id><name>example.com.crt</name></elem>"
                     "<elem><elid>key</elid></elem></doc>"};
    });
    std::string log_path = "/tmp/pmb_upstream_rows_test_" + std::to_string(getpid()) + ".log";
    std::remove(log_path.c_str());
    pmb::Log::open(log_path, pmb::LogLevel::kDebug);
    UpstreamCertificateApi api(connection_to(server.url("/billmgr")));
    pmb::IssuedFile file = api.download("5001");
    pmb::Log::open("", pmb::LogLevel::kInfo);
    std::string log = read_file(log_path);
    std::remove(log_path.c_str());

    REQUIRE(file.files.size() == 2);
    CHECK(file.files[0].name == "a.crt");
    CHECK(file.files[0].content == "CRT");
    CHECK(file.files[1].name == "key");
    CHECK(file.files[1].content == key_der_base64);
    REQUIRE(bodies.size() == 3);
    CHECK(bodies[0].find("&func=certificate.file&out=xml&lang=en&elid=5001") != std::string::npos);
    CHECK(bodies[1].find("&func=certificate.file.edit&out=xml&lang=en&plid=5001&elid=7") !=
          std::string::npos);
    CHECK(bodies[2].find("&func=certificate.file.edit&out=xml&lang=en&plid=5001&elid=key") !=
          std::string::npos);
    CHECK(server.connections() == 1);  // reads on the reused connection
    CHECK(api.round_trips() == 3);
    CHECK(log.find("(not logged: it may hold a private key)") != std::string::npos);
    CHECK(log.find(key_der_base64) == std::string::npos);
}

TEST_CASE("upstream client: the debug log shows the call without authinfo or password") {
    ScriptedServer server(always(
        {200, "<doc><tparams><authinfo>reseller@example.com:" + std::string("p&amp;+:%@ пароль") +
                  "</authinfo></tparams><ok/></doc>"}));
    std::string log_path = "/tmp/pmb_upstream_client_test_" + std::to_string(getpid()) + ".log";
    std::remove(log_path.c_str());
    pmb::Log::open(log_path, pmb::LogLevel::kDebug);
    {
        ApiClient client(connection_to(server.url("/billmgr")));
        client.call(functions::remove("101"));
    }
    pmb::Log::open("", pmb::LogLevel::kInfo);
    std::string log = read_file(log_path);
    std::remove(log_path.c_str());
    CHECK(log.find("upstream request certificate.delete") != std::string::npos);
    CHECK(log.find("elid=101") != std::string::npos);
    CHECK(log.find("HTTP 200") != std::string::npos);
    for (const std::string& secret :
         {kPassword, pmb::url_encode(kPassword), std::string("p&amp;+:%@ пароль"),
          std::string("authinfo=reseller")})
        CHECK(log.find(secret) == std::string::npos);
}

TEST_CASE("upstream api: remove reports an already deleted certificate") {
    ScriptedServer server([](const Received& request, int) {
        if (request.body.find("elid=gone") != std::string::npos)
            return Reply{200,
                         "<doc><error type=\"missed\" object=\"elid\" value=\"gone\">"
                         "<msg>not found</msg></error></doc>"};
        return Reply{};
    });
    UpstreamCertificateApi api(connection_to(server.url("/billmgr")));
    CHECK(api.remove("101"));
    CHECK_FALSE(api.remove("gone"));
    CHECK(error_of([&] { api.get("gone"); }).failure() == Failure::kNotFound);
}

TEST_CASE("upstream api: order sends the order function once and returns the new id") {
    ScriptedServer server(always({200, "<doc><ok/><id>4242</id></doc>"}));
    UpstreamCertificateApi api(connection_to(server.url("/billmgr")));
    OrderRequest order;
    order.pricelist = "4471";
    order.remoteid = "55";
    order.csr = "CSR";
    CHECK(api.order(order).id == "4242");
    auto received = server.received();
    REQUIRE(received.size() == 1);
    CHECK(received[0].body.find("&func=certificate.order.param&") != std::string::npos);
    CHECK(received[0].body.find("&crt_type=manual&csr=CSR&") != std::string::npos);
}

TEST_CASE("upstream api: check_access, list, download, reissue and prolong") {
    ScriptedServer server([](const Received& request, int) {
        auto has = [&](const char* func) {
            return request.body.find(std::string("&func=") + func + "&") != std::string::npos;
        };
        if (has("certificate.file"))
            return Reply{
                200,
                "<doc><crt>-----BEGIN CERTIFICATE-----\nA\n-----END CERTIFICATE-----</crt></doc>"};
        if (has("service.prolong"))
            return Reply{200, "<doc><doc><newexpiredate>2027-01-02</newexpiredate></doc></doc>"};
        if (has("certificate"))
            return Reply{200, "<doc><elem><id>1</id><CN>a.example</CN></elem></doc>"};
        return Reply{};
    });
    UpstreamCertificateApi api(connection_to(server.url("/billmgr")));
    CHECK_NOTHROW(api.check_access());
    std::vector<std::string> names;
    api.each_certificate([&](const UpstreamCertificate& c) {
        names.push_back(c.cn);
        return true;
    });
    CHECK(names == std::vector<std::string>{"a.example"});
    CHECK(api.download("1").files.at(0).content ==
          "-----BEGIN CERTIFICATE-----\nA\n-----END CERTIFICATE-----");
    CHECK_NOTHROW(api.reissue("1", {"oldrequest", "", "", {"auth_email", {"admin@a.example"}}}));
    CHECK(api.prolong("1", 12) == "2027-01-02");
    CHECK(api.round_trips() == 5);
}

namespace {

std::string body_param(const std::string& body, const std::string& name) {
    size_t at = body.find("&" + name + "=");
    if (at == std::string::npos)
        return "";
    size_t start = at + name.size() + 2;
    return body.substr(start, body.find('&', start) - start);
}

// A list of `total` certificates (ids 1..total) served as pages of p_cnt rows, or all at
// once; with_elems: the answer declares p_elems.
ScriptedServer::Handler paged_list(int total, bool honour_paging, bool with_elems) {
    return [=](const Received& request, int) {
        int page = std::stoi(body_param(request.body, "p_num"));
        int rows = std::stoi(body_param(request.body, "p_cnt"));
        int first = honour_paging ? (page - 1) * rows + 1 : 1;
        int last = honour_paging ? std::min(total, page * rows) : total;
        std::string doc = "<doc>";
        for (int id = first; id <= last; ++id)
            doc += "<elem><id>" + std::to_string(id) + "</id><item_status orig=\"2\">Активна" +
                   "</item_status></elem>";
        if (with_elems)
            doc += "<p_cnt>" + std::to_string(rows) + "</p_cnt><p_num>" + std::to_string(page) +
                   "</p_num><p_elems>" + std::to_string(total) + "</p_elems>";
        return Reply{200, doc + "</doc>"};
    };
}

struct Listed {
    std::vector<std::string> ids;
    pmb::ListRead read;
    size_t requests = 0;
};

Listed list_all(ScriptedServer& server, long page_size, size_t stop_after = 0) {
    Connection connection = connection_to(server.url("/billmgr"));
    connection.list_page_size = page_size;
    UpstreamCertificateApi api(connection);
    Listed listed;
    listed.read = api.each_certificate([&](const UpstreamCertificate& c) {
        CHECK(c.item_status == 2);
        listed.ids.push_back(c.id);
        return stop_after == 0 || listed.ids.size() < stop_after;
    });
    listed.requests = server.received().size();
    for (const Received& r : server.received())
        CHECK(r.body.find("filter") == std::string::npos);
    return listed;
}

}  // namespace

TEST_CASE("upstream api: the certificate list is read page by page until p_elems") {
    ScriptedServer server(paged_list(7, true, true));
    Listed listed = list_all(server, 3);
    CHECK(listed.ids.size() == 7);
    CHECK(listed.ids.back() == "7");
    CHECK(listed.requests == 3);  // 3 + 3 + 1 (short)
    CHECK(listed.read.declared == 7);
    CHECK(listed.read.complete());
    CHECK(body_param(server.received()[2].body, "p_num") == "3");
    CHECK(body_param(server.received()[0].body, "p_cnt") == "3");
}

TEST_CASE("upstream api: an exact last page ends at p_elems, without an empty page after it") {
    ScriptedServer server(paged_list(6, true, true));
    Listed listed = list_all(server, 3);
    CHECK(listed.ids.size() == 6);
    CHECK(listed.requests == 2);
}

TEST_CASE("upstream api: without p_elems, the list ends on an empty or short page") {
    ScriptedServer exact(paged_list(6, true, false));
    Listed listed = list_all(exact, 3);
    CHECK(listed.ids.size() == 6);
    CHECK(listed.requests == 3);  // the third page is empty
    CHECK(listed.read.declared == -1);
    CHECK(listed.read.complete());
}

TEST_CASE("upstream api: an upstream that ignores paging is read once, not forever") {
    ScriptedServer declared(paged_list(5, false, true));
    Listed listed = list_all(declared, 2);
    CHECK(listed.ids.size() == 5);
    CHECK(listed.requests == 1);  // p_elems reached on the first page
    CHECK(listed.read.complete());

    ScriptedServer undeclared(paged_list(5, false, false));
    listed = list_all(undeclared, 2);
    CHECK(listed.ids.size() == 5);  // page 2 repeats page 1: not handed on again
    CHECK(listed.requests == 2);
    CHECK(listed.read.complete());
}

TEST_CASE("upstream api: the visitor stops the list early; a short list is incomplete") {
    ScriptedServer server(paged_list(9, true, true));
    Listed listed = list_all(server, 3, 4);
    CHECK(listed.ids.size() == 4);
    CHECK(listed.requests == 2);
    CHECK(listed.read.stopped);
    CHECK_FALSE(listed.read.complete());

    ScriptedServer lying([](const Received& request, int) {
        std::string page = body_param(request.body, "p_num");
        std::string row = page == "1" ? "<elem><id>1</id><item_status>2</item_status></elem>"
                                        "<elem><id>2</id><item_status>2</item_status></elem>"
                                      : "";
        return Reply{200, "<doc>" + row + "<p_elems>3</p_elems></doc>"};
    });
    listed = list_all(lying, 2);
    CHECK(listed.ids.size() == 2);
    CHECK_FALSE(listed.read.complete());  // 2 rows of 3 declared
}
