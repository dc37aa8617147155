#include "server.h"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <poll.h>
#include <sys/socket.h>

#include <chrono>
#include <cstdlib>
#include <filesystem>
#include <stdexcept>
#include <thread>

#include "admin.h"

namespace fake_upstream {
namespace {

const char kXmlType[] = "text/xml; charset=UTF-8";
const char kHtmlType[] = "text/html; charset=UTF-8";
const char kAdminPrefix[] = "/_admin/";
constexpr size_t kStreamAbovePieces = 64;
constexpr size_t kStreamChunkBytes = 256 * 1024;
constexpr size_t kWorkerThreads = 32;

int hex_value(char c) {
    if (c >= '0' && c <= '9')
        return c - '0';
    if (c >= 'a' && c <= 'f')
        return c - 'a' + 10;
    if (c >= 'A' && c <= 'F')
        return c - 'A' + 10;
    return -1;
}

std::string url_decode(const std::string& text) {
    std::string out;
    for (size_t i = 0; i < text.size(); ++i) {
        if (text[i] == '+') {
            out += ' ';
        } else if (text[i] == '%' && i + 2 < text.size() && hex_value(text[i + 1]) >= 0 &&
                   hex_value(text[i + 2]) >= 0) {
            out += static_cast<char>(hex_value(text[i + 1]) * 16 + hex_value(text[i + 2]));
            i += 2;
        } else {
            out += text[i];
        }
    }
    return out;
}

void parse_urlencoded(const std::string& text, const std::string& source, std::vector<Param>& out) {
    size_t start = 0;
    while (start <= text.size()) {
        size_t end = text.find('&', start);
        if (end == std::string::npos)
            end = text.size();
        std::string pair = text.substr(start, end - start);
        if (!pair.empty()) {
            size_t eq = pair.find('=');
            std::string name = url_decode(pair.substr(0, eq));
            std::string value = eq == std::string::npos ? "" : url_decode(pair.substr(eq + 1));
            out.push_back({name, value, source});
        }
        start = end + 1;
    }
}

std::string raw_query(const httplib::Request& req) {
    size_t mark = req.target.find('?');
    return mark == std::string::npos ? "" : req.target.substr(mark + 1);
}

bool is_urlencoded(const httplib::Request& req) {
    return req.get_header_value("Content-Type").rfind("application/x-www-form-urlencoded", 0) == 0;
}

std::string html_page(const std::string& title) {
    return "<!DOCTYPE html>\n<html><head><title>" + title + "</title></head><body><h1>" + title +
           "</h1><p>nginx</p></body></html>\n";
}

std::string address_text(const sockaddr_storage& address, int& port) {
    char text[INET6_ADDRSTRLEN] = "";
    if (address.ss_family == AF_INET) {
        const auto& v4 = reinterpret_cast<const sockaddr_in&>(address);
        inet_ntop(AF_INET, &v4.sin_addr, text, sizeof text);
        port = ntohs(v4.sin_port);
    } else if (address.ss_family == AF_INET6) {
        const auto& v6 = reinterpret_cast<const sockaddr_in6&>(address);
        inet_ntop(AF_INET6, &v6.sin6_addr, text, sizeof text);
        port = ntohs(v6.sin6_port);
    }
    return text;
}

// httplib hides the connection's socket; find it by the peer address so a hang can end
// with a dropped connection instead of an answer.
int connection_socket(const httplib::Request& req) {
    std::error_code error;
    for (const auto& entry : std::filesystem::directory_iterator("/proc/self/fd", error)) {
        int fd = std::atoi(entry.path().filename().c_str());
        sockaddr_storage peer{};
        socklen_t length = sizeof peer;
        if (getpeername(fd, reinterpret_cast<sockaddr*>(&peer), &length) != 0)
            continue;
        int port = -1;
        if (address_text(peer, port) == req.remote_addr && port == req.remote_port)
            return fd;
    }
    return -1;
}

bool peer_closed(int fd) {
    pollfd watch{fd, POLLRDHUP, 0};
    return poll(&watch, 1, 0) > 0 && (watch.revents & (POLLRDHUP | POLLHUP | POLLERR));
}

// Holds the request without answering; stops early once the client gave up.
void hang_then_drop(const httplib::Request& req, httplib::Response& res, int delay_ms) {
    int fd = connection_socket(req);
    auto deadline = std::chrono::steady_clock::now() + std::chrono::milliseconds(delay_ms);
    while (std::chrono::steady_clock::now() < deadline && !(fd >= 0 && peer_closed(fd))) {
        std::this_thread::sleep_for(std::chrono::milliseconds(20));
    }
    if (fd >= 0)
        ::shutdown(fd, SHUT_RDWR);
    res.status = 200;
}

// Closes the connection before a single byte of the answer: on a reused connection libcurl
// takes this for a stale keep-alive and sends the request again by itself.
// Without the socket it cannot stay silent; a loud 500 beats an empty 200 that looks like a fault
// that worked.
void drop_silently(const httplib::Request& req, httplib::Response& res) {
    int fd = connection_socket(req);
    if (fd < 0) {
        res.status = 500;
        res.set_content("fake_upstream: the connection's socket was not found", "text/plain");
        return;
    }
    ::shutdown(fd, SHUT_RDWR);
    res.status = 200;
}

void set_body(httplib::Response& res, const Body& body) {
    if (body.pieces <= kStreamAbovePieces) {
        res.set_content(body.joined(), body.content_type);
        return;
    }
    auto cursor = std::make_shared<size_t>(0);
    res.set_chunked_content_provider(
        body.content_type, [body, cursor](size_t, httplib::DataSink& sink) {
            std::string chunk;
            while (*cursor < body.pieces && chunk.size() < kStreamChunkBytes) {
                chunk += body.piece((*cursor)++);
            }
            if (!chunk.empty() && !sink.write(chunk.data(), chunk.size()))
                return false;
            if (*cursor == body.pieces)
                sink.done();
            return true;
        });
}

// Declares the full Content-Length, sends half, then aborts: the client gets no usable reply.
void send_half_then_close(httplib::Response& res, std::string text) {
    auto shared = std::make_shared<const std::string>(std::move(text));
    size_t half = shared->size() / 2;
    res.status = 200;
    res.set_content_provider(shared->size(), kXmlType,
                             [shared, half](size_t offset, size_t, httplib::DataSink& sink) {
                                 if (offset < half)
                                     sink.write(shared->data() + offset, half - offset);
                                 return false;
                             });
}

// Declares the full Content-Length and sends one byte every interval; stops once the client
// gave up.
void trickle(httplib::Response& res, const Body& body, int interval_ms) {
    auto text = std::make_shared<const std::string>(body.joined());
    res.status = 200;
    res.set_content_provider(
        text->size(), body.content_type,
        [text, interval_ms](size_t offset, size_t, httplib::DataSink& sink) {
            std::this_thread::sleep_for(std::chrono::milliseconds(interval_ms));
            return sink.write(text->data() + offset, 1);
        });
}

bool commits_at_once(const Fault& fault) {
    switch (fault.kind) {
        case FaultKind::kDropAfterCommit:
        case FaultKind::kHangAfterCommit:
        case FaultKind::kDropSilentlyAfterCommit:
            return true;
        case FaultKind::kPartial:
        case FaultKind::kTrickle:
        case FaultKind::kProxy4xx:
            return fault.commit;
        default:
            return false;
    }
}

void set_html(httplib::Response& res, int status, const std::string& title) {
    res.status = status;
    res.set_content(html_page(title), kHtmlType);
}

RequestBody read_body(const httplib::Request& req, const httplib::ContentReader& reader) {
    RequestBody incoming;
    if (req.is_multipart_form_data()) {
        auto& fields = incoming.form_fields;
        reader(
            [&](const httplib::MultipartFormData& field) {
                fields.push_back({field.name, "", "body"});
                return true;
            },
            [&](const char* data, size_t size) {
                fields.back().value.append(data, size);
                return true;
            });
    } else {
        reader([&](const char* data, size_t size) {
            incoming.raw.append(data, size);
            return true;
        });
    }
    return incoming;
}

std::vector<Param> collect_params(const httplib::Request& req, const RequestBody& body) {
    std::vector<Param> params;
    parse_urlencoded(raw_query(req), "query", params);
    if (is_urlencoded(req))
        parse_urlencoded(body.raw, "body", params);
    params.insert(params.end(), body.form_fields.begin(), body.form_fields.end());
    return params;
}

}  // namespace

FakeServer::FakeServer(const ServerOptions& options) : options_(options) {
    if (!options.tls_dir.empty()) {
        shared_.ca = load_or_create_authority(options.tls_dir);
        std::string cert = options.tls_dir + "/server.pem";
        std::string key = options.tls_dir + "/server.key";
        http_ = std::make_unique<httplib::SSLServer>(cert.c_str(), key.c_str());
    } else {
        shared_.ca = options.ca_dir.empty() ? create_ephemeral_authority()
                                            : load_or_create_authority(options.ca_dir);
        http_ = std::make_unique<httplib::Server>();
    }
    if (!http_->is_valid())
        throw std::runtime_error("cannot set up the HTTP(S) server");
    shared_.state.account = options.account;
    shared_.state.balance = options.balance;
    shared_.state.tariffs = builtin_tariffs();
    shared_.config = {options.list_without_remoteid, options.large_export, shared_.ca.cert_pem,
                      AnswerShapes{}};
    if (!options.log_file.empty())
        log_.open(options.log_file, std::ios::app);

    http_->new_task_queue = [] { return new httplib::ThreadPool(kWorkerThreads); };
    // Without it every small answer waits ~40 ms for the client's delayed ACK (Nagle).
    http_->set_tcp_nodelay(true);
    auto plain = [this](const httplib::Request& req, httplib::Response& res) {
        route(req, res, RequestBody{});
    };
    auto with_body = [this](const httplib::Request& req, httplib::Response& res,
                            const httplib::ContentReader& reader) {
        route(req, res, read_body(req, reader));
    };
    http_->Get(".*", plain);
    http_->Options(".*", plain);
    // Content-reader handlers also bypass httplib's 8 KB cap on url-encoded bodies.
    http_->Post(".*", with_body);
    http_->Put(".*", with_body);
    http_->Patch(".*", with_body);
    http_->Delete(".*", with_body);
    http_->set_exception_handler([](const httplib::Request&, httplib::Response& res,
                                    std::exception_ptr) { set_html(res, 500, "Internal error"); });
}

int FakeServer::bind() {
    if (options_.port == 0)
        return http_->bind_to_any_port("127.0.0.1");
    return http_->bind_to_port("127.0.0.1", options_.port) ? options_.port : -1;
}

void FakeServer::run() {
    http_->listen_after_bind();
}

bool FakeServer::is_api_path(const std::string& path) const {
    for (const auto& api_path : options_.paths) {
        if (path == api_path || path == api_path + "/")
            return true;
    }
    return false;
}

void FakeServer::route(const httplib::Request& req, httplib::Response& res,
                       const RequestBody& body) {
    ApiRequest params{collect_params(req, body)};
    if (req.path.rfind(kAdminPrefix, 0) == 0) {
        std::string endpoint = req.path.substr(sizeof kAdminPrefix - 1);
        AdminAnswer answer = handle_admin(shared_, endpoint, params);
        res.status = answer.status;
        res.set_content(answer.body, kXmlType);
        log(0, req, "_admin/" + endpoint, std::to_string(answer.status));
        return;
    }
    if (!is_api_path(req.path)) {
        set_html(res, 404, "404 Not Found");
        log(0, req, "", "404");
        return;
    }
    serve_api(req, res, params);
}

// Requests that commit without delay do so under the same lock that records them, so a test
// that sees the request in /_admin/counts also sees its effect in /_admin/state.
void FakeServer::serve_api(const httplib::Request& req, httplib::Response& res,
                           const ApiRequest& api) {
    std::string func = api.get("func");
    RecordedRequest record{
        0,    req.method, req.path,       raw_query(req), req.get_header_value("Content-Type"),
        func, api.params, req.remote_port};
    long n = 0;
    std::optional<Fault> fault;
    std::optional<Body> committed;
    {
        std::lock_guard<std::mutex> lock(shared_.mutex);
        n = shared_.record(std::move(record));
        fault = shared_.take_fault(func);
        if (!fault || commits_at_once(*fault)) {
            committed = handle_api(shared_.state, shared_.config, api);
        }
    }
    if (!fault) {
        set_body(res, *committed);
        log(n, req, func, "200");
        return;
    }
    apply_fault(*fault, req, res, api, committed);
    log(n, req, func, "fault " + fault_kind_name(fault->kind));
}

void FakeServer::apply_fault(const Fault& fault, const httplib::Request& req,
                             httplib::Response& res, const ApiRequest& api,
                             const std::optional<Body>& committed) {
    switch (fault.kind) {
        case FaultKind::kDelay:
            std::this_thread::sleep_for(std::chrono::milliseconds(fault.delay_ms));
            set_body(res, run_api(api));
            return;
        case FaultKind::kHang:
        case FaultKind::kHangAfterCommit:
            return hang_then_drop(req, res, fault.delay_ms);
        case FaultKind::kHttp500:
            return set_html(res, 500, "500 Internal Server Error");
        case FaultKind::kHttp502:
            return set_html(res, 502, "502 Bad Gateway");
        case FaultKind::kProxy4xx:
            return set_html(res, 403, "403 Forbidden");
        case FaultKind::kTruncated: {
            std::string text = answer_without_commit(api);
            return res.set_content(text.substr(0, text.size() / 2), kXmlType);
        }
        case FaultKind::kEmpty:
            return res.set_content("", kXmlType);
        case FaultKind::kHtml:
            return set_html(res, 200, "BILLmanager maintenance");
        case FaultKind::kErrorXml:
            return res.set_content(xml_document(error_document(fault.error)), kXmlType);
        case FaultKind::kDropAfterCommit:
            return send_half_then_close(res, committed->joined());
        case FaultKind::kDropSilentlyAfterCommit:
            return drop_silently(req, res);
        case FaultKind::kPartial:
            return send_half_then_close(
                res, committed ? committed->joined() : answer_without_commit(api));
        case FaultKind::kTrickle:
            return trickle(res, committed ? *committed : whole_body(answer_without_commit(api)),
                           fault.delay_ms);
    }
}

Body FakeServer::run_api(const ApiRequest& api) {
    std::lock_guard<std::mutex> lock(shared_.mutex);
    return handle_api(shared_.state, shared_.config, api);
}

// The normal answer computed on a scratch copy, so nothing is committed.
std::string FakeServer::answer_without_commit(const ApiRequest& api) {
    Body body;
    {
        std::lock_guard<std::mutex> lock(shared_.mutex);
        State scratch = shared_.state;
        body = handle_api(scratch, shared_.config, api);
    }
    return body.joined();
}

void FakeServer::log(long n, const httplib::Request& req, const std::string& func,
                     const std::string& outcome) {
    if (!log_.is_open())
        return;
    std::lock_guard<std::mutex> lock(log_mutex_);
    log_ << n << ' ' << req.method << ' ' << req.path << " func=" << func << " -> " << outcome
         << std::endl;
}

}  // namespace fake_upstream
