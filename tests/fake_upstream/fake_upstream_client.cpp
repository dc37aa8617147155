#include "fake_upstream_client.h"

#include <httplib.h>
#include <libxml/parser.h>
#include <libxml/tree.h>
#include <signal.h>

#include <cctype>
#include <chrono>
#include <cstdlib>
#include <memory>
#include <stdexcept>

namespace pmtest {
namespace {

using Params = std::vector<std::pair<std::string, std::string>>;

constexpr std::chrono::seconds kStartTimeout{10};

struct XmlDocFree {
    void operator()(xmlDoc* doc) const { xmlFreeDoc(doc); }
};
using XmlDocPtr = std::unique_ptr<xmlDoc, XmlDocFree>;

XmlDocPtr parse_xml(const std::string& text) {
    XmlDocPtr doc(xmlReadMemory(text.data(), static_cast<int>(text.size()), "admin.xml", "UTF-8",
                                XML_PARSE_NONET | XML_PARSE_HUGE));
    if (!doc || !xmlDocGetRootElement(doc.get())) {
        throw std::runtime_error("fake_upstream admin answer is not XML: " + text.substr(0, 200));
    }
    return doc;
}

std::string node_text(xmlNode* node) {
    xmlChar* content = xmlNodeGetContent(node);
    std::string text = content ? reinterpret_cast<const char*>(content) : "";
    xmlFree(content);
    return text;
}

std::string attribute(xmlNode* node, const char* name) {
    xmlChar* value = xmlGetProp(node, reinterpret_cast<const xmlChar*>(name));
    std::string text = value ? reinterpret_cast<const char*>(value) : "";
    xmlFree(value);
    return text;
}

std::string node_name(xmlNode* node) {
    return reinterpret_cast<const char*>(node->name);
}

std::vector<xmlNode*> child_elements(xmlNode* parent, const std::string& name = "") {
    std::vector<xmlNode*> found;
    for (xmlNode* child = parent->children; child; child = child->next) {
        if (child->type == XML_ELEMENT_NODE && (name.empty() || node_name(child) == name)) {
            found.push_back(child);
        }
    }
    return found;
}

std::string first_child_text(xmlNode* parent, const std::string& name) {
    auto found = child_elements(parent, name);
    return found.empty() ? "" : node_text(found.front());
}

std::string join_commas(const std::vector<std::string>& parts) {
    std::string joined;
    for (const auto& part : parts)
        joined += (joined.empty() ? "" : ",") + part;
    return joined;
}

std::vector<std::string> command_line(const std::string& executable, const FakeUpstreamOptions& o,
                                      const std::string& ca_dir) {
    std::vector<std::string> argv = {executable,
                                     "--port",
                                     "0",
                                     o.tls ? "--tls-dir" : "--ca-dir",
                                     ca_dir,
                                     "--lifetime",
                                     std::to_string(o.lifetime_seconds)};
    auto add = [&argv](const std::string& option, const std::string& value) {
        if (value.empty())
            return;
        argv.push_back(option);
        argv.push_back(value);
    };
    add("--paths", join_commas(o.paths));
    add("--user", o.user);
    add("--password", o.password);
    add("--balance", o.balance);
    add("--log", o.log_file);
    if (o.large_export > 0)
        add("--large-export", std::to_string(o.large_export));
    if (o.list_without_remoteid)
        argv.push_back("--list-without-remoteid");
    return argv;
}

int wait_for_port(Child& child) {
    auto deadline = std::chrono::steady_clock::now() + kStartTimeout;
    while (std::chrono::steady_clock::now() < deadline) {
        auto left = std::chrono::duration_cast<std::chrono::milliseconds>(
            deadline - std::chrono::steady_clock::now());
        auto line = child.read_line(left);
        if (!line)
            break;
        if (line->rfind("PORT ", 0) == 0)
            return std::stoi(line->substr(5));
        if (line->rfind("ERROR ", 0) == 0) {
            throw std::runtime_error("fake_upstream failed to start: " + line->substr(6));
        }
    }
    throw std::runtime_error("fake_upstream did not report its port within 10 s");
}

Request parse_request(xmlNode* node) {
    Request request;
    request.method = attribute(node, "method");
    request.path = attribute(node, "path");
    request.query = attribute(node, "query");
    request.content_type = attribute(node, "content_type");
    request.client_port = std::atoi(attribute(node, "client_port").c_str());
    request.func = attribute(node, "func");
    for (xmlNode* param : child_elements(node, "param")) {
        request.params.emplace_back(attribute(param, "name"), node_text(param));
        request.sources.push_back(attribute(param, "source"));
    }
    return request;
}

CertificateState parse_certificate(xmlNode* node) {
    CertificateState cert;
    for (xmlNode* field : child_elements(node))
        cert.fields[node_name(field)] = node_text(field);
    std::pair<const char*, std::string*> named[] = {
        {"id", &cert.id},
        {"CN", &cert.CN},
        {"altname", &cert.altname},
        {"pricelist", &cert.pricelist},
        {"period", &cert.period},
        {"createdate", &cert.createdate},
        {"expiredate", &cert.expiredate},
        {"item_status", &cert.item_status},
        {"service_status", &cert.service_status},
        {"status_msg", &cert.status_msg},
        {"remoteid", &cert.remoteid},
        {"approver_method", &cert.approver_method},
        {"csr", &cert.csr},
        {"crt", &cert.crt},
        {"reissue_count", &cert.reissue_count},
    };
    for (auto& [name, target] : named)
        *target = cert.field(name);
    return cert;
}

}  // namespace

std::string Request::param(const std::string& name) const {
    for (auto it = params.rbegin(); it != params.rend(); ++it) {
        if (it->first == name)
            return it->second;
    }
    return "";
}

bool Request::has(const std::string& name) const {
    for (const auto& entry : params) {
        if (entry.first == name)
            return true;
    }
    return false;
}

std::string Request::source(const std::string& name) const {
    for (size_t i = params.size(); i-- > 0;) {
        if (params[i].first == name)
            return i < sources.size() ? sources[i] : "";
    }
    return "";
}

std::string CertificateState::field(const std::string& name) const {
    auto it = fields.find(name);
    return it == fields.end() ? "" : it->second;
}

FakeUpstream::FakeUpstream(const std::string& executable, FakeUpstreamOptions options)
    : options_(std::move(options)), ca_dir_(options_.tls_dir) {
    if (ca_dir_.empty()) {
        ca_dir_ = make_temp_dir("fake_upstream_ca.");
        own_ca_dir_ = true;
    }
    try {
        child_ = Child(command_line(executable, options_, ca_dir_), RunOptions{});
        port_ = wait_for_port(child_);
    } catch (...) {
        if (own_ca_dir_)
            remove_tree(ca_dir_);
        throw;
    }
}

FakeUpstream::~FakeUpstream() {
    if (child_.running()) {
        child_.signal_group(SIGKILL);
        child_.wait();
    }
    if (own_ca_dir_)
        remove_tree(ca_dir_);
}

std::string FakeUpstream::base_url() const {
    return std::string(options_.tls ? "https" : "http") + "://127.0.0.1:" + std::to_string(port_);
}

std::string FakeUpstream::ca_file() const {
    return ca_dir_ + "/ca.pem";
}

std::string FakeUpstream::user() const {
    return options_.user.empty() ? "reseller@example.com" : options_.user;
}

std::string FakeUpstream::password() const {
    return options_.password.empty() ? "secret" : options_.password;
}

std::string FakeUpstream::admin(const std::string& endpoint, const Params& params) {
    httplib::Client client(base_url());
    if (options_.tls) {
        client.set_ca_cert_path(ca_file().c_str());
        client.enable_server_certificate_verification(true);
    }
    client.set_connection_timeout(std::chrono::seconds(5));
    client.set_read_timeout(std::chrono::seconds(30));
    std::string target = "/_admin/" + endpoint;
    if (!params.empty())
        target += "?" + form_encode(params);
    auto result = client.Get(target.c_str());
    if (!result) {
        throw std::runtime_error("fake_upstream " + endpoint + ": " +
                                 httplib::to_string(result.error()));
    }
    if (result->status != 200) {
        throw std::runtime_error("fake_upstream " + endpoint + " answered HTTP " +
                                 std::to_string(result->status) + ": " + result->body);
    }
    return result->body;
}

std::string FakeUpstream::advance(const std::string& id, const std::string& to) {
    auto doc = parse_xml(admin("advance", {{"id", id}, {"to", to}}));
    return first_child_text(xmlDocGetRootElement(doc.get()), "expiredate");
}

std::string FakeUpstream::advance(long id, const std::string& to) {
    return advance(std::to_string(id), to);
}

void FakeUpstream::set_zip(const std::string& id, bool on) {
    admin("zip", {{"id", id}, {"on", on ? "1" : "0"}});
}

void FakeUpstream::set_zip(long id, bool on) {
    set_zip(std::to_string(id), on);
}

long FakeUpstream::add_bulk(int count, const std::string& status, int remoteid_from) {
    auto doc = parse_xml(admin("bulk", {{"count", std::to_string(count)},
                                        {"status", status},
                                        {"remoteid_from", std::to_string(remoteid_from)}}));
    return std::stol(first_child_text(xmlDocGetRootElement(doc.get()), "first"));
}

void FakeUpstream::set_expiry(long id, const std::string& date) {
    admin("expire", {{"id", std::to_string(id)}, {"date", date}});
}

void FakeUpstream::forget(long id) {
    admin("forget", {{"id", std::to_string(id)}});
}

std::vector<Request> FakeUpstream::requests() {
    auto doc = parse_xml(admin("requests"));
    std::vector<Request> requests;
    for (xmlNode* node : child_elements(xmlDocGetRootElement(doc.get()), "request")) {
        requests.push_back(parse_request(node));
    }
    return requests;
}

void FakeUpstream::clear_requests() {
    admin("requests/clear");
}

namespace {

int counted(const std::string& counts, const std::string& element, const std::string& func) {
    auto doc = parse_xml(counts);
    for (xmlNode* node : child_elements(xmlDocGetRootElement(doc.get()), element)) {
        if (attribute(node, "func") == func)
            return std::stoi(node_text(node));
    }
    return 0;
}

}  // namespace

int FakeUpstream::count(const std::string& func) {
    return counted(admin("counts"), "count", func);
}

int FakeUpstream::count_committing(const std::string& func) {
    return counted(admin("counts"), "committing", func);
}

std::vector<CertificateState> FakeUpstream::state() {
    auto doc = parse_xml(admin("state"));
    std::vector<CertificateState> certificates;
    for (xmlNode* node : child_elements(xmlDocGetRootElement(doc.get()), "certificate")) {
        certificates.push_back(parse_certificate(node));
    }
    return certificates;
}

std::string FakeUpstream::balance() {
    auto doc = parse_xml(admin("state"));
    return first_child_text(xmlDocGetRootElement(doc.get()), "balance");
}

void FakeUpstream::set_balance(const std::string& amount) {
    admin("balance", {{"amount", amount}});
}

void FakeUpstream::set_two_factor(bool on) {
    admin("twofactor", {{"on", on ? "1" : "0"}});
}

void FakeUpstream::fault(const std::string& func, const std::string& kind,
                         const FaultOptions& options) {
    Params params = {{"func", func}, {"kind", kind}, {"count", std::to_string(options.count)}};
    if (options.delay_ms >= 0)
        params.emplace_back("delay_ms", std::to_string(options.delay_ms));
    if (!options.type.empty())
        params.emplace_back("type", options.type);
    if (!options.object.empty())
        params.emplace_back("object", options.object);
    if (!options.msg.empty())
        params.emplace_back("msg", options.msg);
    if (options.skip > 0)
        params.emplace_back("skip", std::to_string(options.skip));
    if (options.commit)
        params.emplace_back("commit", "1");
    admin("fault", params);
}

std::string FakeUpstream::set_shape(const std::string& name, bool on, const Params& extra) {
    Params params = {{"name", name}, {"on", on ? "1" : "0"}};
    params.insert(params.end(), extra.begin(), extra.end());
    return admin("shape", params);
}

void FakeUpstream::clear_shapes() {
    admin("shape/clear");
}

void FakeUpstream::clear_faults() {
    admin("fault/clear");
}

std::string percent_encode(const std::string& text) {
    static const char kHex[] = "0123456789ABCDEF";
    std::string out;
    for (unsigned char c : text) {
        if (std::isalnum(c) || c == '-' || c == '_' || c == '.' || c == '~') {
            out += static_cast<char>(c);
        } else {
            out += '%';
            out += kHex[c >> 4];
            out += kHex[c & 15];
        }
    }
    return out;
}

std::string form_encode(const std::vector<std::pair<std::string, std::string>>& params) {
    std::string out;
    for (const auto& [name, value] : params)
        out += (out.empty() ? "" : "&") + percent_encode(name) + "=" + percent_encode(value);
    return out;
}

}  // namespace pmtest
