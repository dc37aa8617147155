// The sandbox demo: starts the fake upstream billing and the fake BILLmanager host, then walks
// one SSL certificate through its whole life with the real pmbillmgrssl binary, narrating every
// module run: its exit code, the upstream requests and mgrctl calls it made, and the state it
// left behind. Any step that misbehaves ends the demo with a non-zero exit code, so it doubles
// as a smoke test (ctest -R sandbox_demo).
//
//   sandbox_demo          everything is removed at the end
//   sandbox_demo --keep   the sandbox directory (mgr root with the module log and the mgrctl
//                         call log, a dump of the tables, the stopped MariaDB's data, the
//                         upstream's CA and request log) is kept, and its path printed
#include <openssl/bio.h>
#include <openssl/bn.h>
#include <openssl/evp.h>
#include <openssl/pem.h>
#include <openssl/x509.h>
#include <openssl/x509v3.h>
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <ctime>
#include <iostream>
#include <map>
#include <memory>
#include <optional>
#include <set>
#include <stdexcept>
#include <string>
#include <thread>
#include <vector>

#include "harness.h"

namespace {

using pmtest::CertificateOrder;
using pmtest::CertificateOrderOptions;
using pmtest::MgrctlCall;
using pmtest::ModuleResult;
using pmtest::Request;
using pmtest::World;
using Clock = std::chrono::steady_clock;

// ---- text ----

constexpr size_t kWidth = 100;

void say(const std::string& line) {
    std::cout << line << '\n' << std::flush;
}

bool contains(const std::string& text, const std::string& part) {
    return text.find(part) != std::string::npos;
}

bool is_continuation_byte(char c) {
    return (static_cast<unsigned char>(c) & 0xC0) == 0x80;
}

size_t display_width(const std::string& text) {
    size_t width = 0;
    for (char c : text)
        width += is_continuation_byte(c) ? 0 : 1;
    return width;
}

// The first `chars` characters of UTF-8 text.
std::string utf8_prefix(const std::string& text, size_t chars) {
    size_t pos = 0;
    for (size_t seen = 0; pos < text.size(); ++pos) {
        if (!is_continuation_byte(text[pos]) && seen++ == chars)
            break;
    }
    return text.substr(0, pos);
}

// `prefix` then `words` joined by spaces, wrapped at kWidth; continuation lines start with as
// many spaces as the prefix is wide.
void say_wrapped(const std::string& prefix, const std::vector<std::string>& words) {
    const std::string indent(display_width(prefix), ' ');
    std::string line = prefix;
    bool line_has_word = false;
    for (const auto& word : words) {
        if (line_has_word && display_width(line) + 1 + display_width(word) > kWidth) {
            say(line);
            line = indent;
            line_has_word = false;
        }
        line += (line_has_word ? " " : "") + word;
        line_has_word = true;
    }
    say(line);
}

std::vector<std::string> split_words(const std::string& text) {
    std::vector<std::string> words;
    size_t start = 0;
    while (start < text.size()) {
        size_t end = text.find(' ', start);
        if (end == std::string::npos)
            end = text.size();
        if (end > start)
            words.push_back(text.substr(start, end - start));
        start = end + 1;
    }
    return words;
}

void say_text(const std::string& prefix, const std::string& text) {
    say_wrapped(prefix, split_words(text));
}

// A value as the narrative shows it: PEM blocks as their first line, long values cut short.
std::string shorten(const std::string& value) {
    if (value.rfind("-----BEGIN ", 0) == 0) {
        size_t end = value.find("-----", 11);
        if (end != std::string::npos)
            return value.substr(0, end + 5) + "…";
    }
    std::string flat;
    for (char c : value) {
        if (c == '\n')
            flat += "\\n";
        else if (c != '\r')
            flat += c;
    }
    if (flat.size() > 16 && flat.find_first_not_of("0123456789abcdefABCDEF") == std::string::npos)
        return flat.substr(0, 12) + "…";  // a hash
    return display_width(flat) > 40 ? utf8_prefix(flat, 37) + "…" : flat;
}

bool is_secret(const std::string& name, const std::string& value) {
    return name == "authinfo" || name == "password" || name == "passwd" || name == "auth" ||
           contains(value, "PRIVATE KEY");
}

std::string param_text(const std::string& name, const std::string& value) {
    if (is_secret(name, value))
        return name + "=[hidden]";
    std::string shown = shorten(value);
    if (shown.empty() || contains(shown, " "))
        shown = "\"" + shown + "\"";
    return name + "=" + shown;
}

// adm_, tech_ and org_: the contact fields of an order, folded to one word per group.
std::string contact_group(const std::string& name) {
    for (const char* prefix : {"adm_", "tech_", "org_"}) {
        if (name.rfind(prefix, 0) == 0)
            return prefix;
    }
    return "";
}

// An upstream request as words: method, path, func, then the params, except out and lang (the
// same in every request).
std::vector<std::string> request_words(const Request& request) {
    std::vector<std::string> words{request.method, request.path, "func=" + request.func};
    std::map<std::string, int> group_sizes;
    for (const auto& param : request.params) {
        const std::string group = contact_group(param.first);
        if (!group.empty())
            ++group_sizes[group];
    }
    std::set<std::string> folded;
    for (const auto& [name, value] : request.params) {
        if (name == "func" || name == "out" || name == "lang")
            continue;
        const std::string group = contact_group(name);
        if (group.empty()) {
            words.push_back(param_text(name, value));
        } else if (folded.insert(group).second) {
            words.push_back(group + "*=[" + std::to_string(group_sizes[group]) + " fields]");
        }
    }
    return words;
}

std::string xml_unescape(const std::string& text) {
    static const std::pair<const char*, const char*> kEntities[] = {
        {"&lt;", "<"}, {"&gt;", ">"}, {"&quot;", "\""}, {"&apos;", "'"}, {"&amp;", "&"}};
    std::string out;
    for (size_t i = 0; i < text.size();) {
        bool replaced = false;
        for (const auto& [entity, character] : kEntities) {
            if (text.compare(i, std::char_traits<char>::length(entity), entity) == 0) {
                out += character;
                i += std::char_traits<char>::length(entity);
                replaced = true;
                break;
            }
        }
        if (!replaced)
            out += text[i++];
    }
    return out;
}

// The module's error document as "[type] message"; empty when stdout is not an error.
std::string error_text(const std::string& out) {
    size_t error = out.find("<error");
    if (error == std::string::npos)
        return "";
    std::string type;
    size_t type_at = out.find("type=\"", error);
    if (type_at != std::string::npos) {
        type_at += 6;
        type = out.substr(type_at, out.find('"', type_at) - type_at);
    }
    std::string msg;
    size_t msg_at = out.find("<msg>", error);
    if (msg_at != std::string::npos) {
        msg_at += 5;
        msg = xml_unescape(out.substr(msg_at, out.find("</msg>", msg_at) - msg_at));
    }
    return "[" + type + "] " + msg;
}

// ---- money and dates ----

long cents(const std::string& amount) {
    size_t dot = amount.find('.');
    long whole = std::stol(amount.substr(0, dot));
    long fraction =
        dot == std::string::npos ? 0 : std::stol((amount.substr(dot + 1) + "00").substr(0, 2));
    return whole * 100 + (whole < 0 ? -fraction : fraction);
}

std::string money(long amount) {
    char text[32];
    std::snprintf(text, sizeof text, "%s%ld.%02ld", amount < 0 ? "-" : "", std::labs(amount) / 100,
                  std::labs(amount) % 100);
    return text;
}

// YYYY-MM-DD plus whole months, the day clamped to the month's length (as the upstream does).
std::string add_months(const std::string& date, int months) {
    int year = std::stoi(date.substr(0, 4));
    int month = std::stoi(date.substr(5, 2));
    int day = std::stoi(date.substr(8, 2));
    int total = year * 12 + (month - 1) + months;
    year = total / 12;
    month = total % 12 + 1;
    static const int kDays[] = {31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
    bool leap = (year % 4 == 0 && year % 100 != 0) || year % 400 == 0;
    int last = month == 2 && leap ? 29 : kDays[month - 1];
    char text[48];
    std::snprintf(text, sizeof text, "%04d-%02d-%02d", year, month, day < last ? day : last);
    return text;
}

std::string seconds_since(Clock::time_point start) {
    char text[32];
    std::snprintf(text, sizeof text, "%.2f s",
                  std::chrono::duration<double>(Clock::now() - start).count());
    return text;
}

// ---- certificates (OpenSSL) ----

struct BioFree {
    void operator()(BIO* bio) const { BIO_free(bio); }
};
struct X509Free {
    void operator()(X509* cert) const { X509_free(cert); }
};
struct KeyFree {
    void operator()(EVP_PKEY* key) const { EVP_PKEY_free(key); }
};
using BioPtr = std::unique_ptr<BIO, BioFree>;
using X509Ptr = std::unique_ptr<X509, X509Free>;
using KeyPtr = std::unique_ptr<EVP_PKEY, KeyFree>;

BioPtr memory_bio(const std::string& text) {
    return BioPtr(BIO_new_mem_buf(text.data(), static_cast<int>(text.size())));
}

std::string bio_text(BIO* bio) {
    char* data = nullptr;
    long size = BIO_get_mem_data(bio, &data);
    return std::string(data, static_cast<size_t>(size));
}

// The first certificate of a PEM chain.
X509Ptr read_certificate(const std::string& pem) {
    BioPtr bio = memory_bio(pem);
    return X509Ptr(PEM_read_bio_X509(bio.get(), nullptr, nullptr, nullptr));
}

std::string name_text(const X509_NAME* name) {
    BioPtr bio(BIO_new(BIO_s_mem()));
    X509_NAME_print_ex(bio.get(), name, 0, XN_FLAG_RFC2253 & ~ASN1_STRFLGS_ESC_MSB);
    return bio_text(bio.get());
}

std::string time_text(const ASN1_TIME* time) {
    std::tm tm{};
    if (ASN1_TIME_to_tm(time, &tm) != 1)
        return "?";
    char text[32];
    std::strftime(text, sizeof text, "%Y-%m-%d %H:%M:%S UTC", &tm);
    return text;
}

std::string serial_text(const X509* cert) {
    BIGNUM* number = ASN1_INTEGER_to_BN(X509_get0_serialNumber(cert), nullptr);
    char* hex = number ? BN_bn2hex(number) : nullptr;
    std::string text = hex ? hex : "?";
    OPENSSL_free(hex);
    BN_free(number);
    return text.size() > 8 ? text.substr(0, 8) + "…" : text;
}

std::vector<std::string> dns_names(X509* cert) {
    std::vector<std::string> names;
    auto* general =
        static_cast<GENERAL_NAMES*>(X509_get_ext_d2i(cert, NID_subject_alt_name, nullptr, nullptr));
    for (int i = 0; general && i < sk_GENERAL_NAME_num(general); ++i) {
        const GENERAL_NAME* entry = sk_GENERAL_NAME_value(general, i);
        if (entry->type != GEN_DNS)
            continue;
        const ASN1_STRING* dns = entry->d.dNSName;
        names.emplace_back(reinterpret_cast<const char*>(ASN1_STRING_get0_data(dns)),
                           static_cast<size_t>(ASN1_STRING_length(dns)));
    }
    GENERAL_NAMES_free(general);
    return names;
}

bool certificate_matches_key(X509* cert, const std::string& key_pem) {
    BioPtr bio = memory_bio(key_pem);
    KeyPtr key(PEM_read_bio_PrivateKey(bio.get(), nullptr, nullptr, nullptr));
    return key && X509_check_private_key(cert, key.get()) == 1;
}

std::string join(const std::vector<std::string>& parts, const std::string& separator) {
    std::string out;
    for (const auto& part : parts)
        out += (out.empty() ? "" : separator) + part;
    return out;
}

// ---- checks ----

class Failure : public std::runtime_error {
public:
    using std::runtime_error::runtime_error;
};

void expect(bool condition, const std::string& what) {
    if (!condition)
        throw Failure(what);
}

const char* item_status_name(int status) {
    switch (status) {
        case 1:
            return "ordered";
        case 2:
            return "active";
        case 3:
            return "suspended";
        case 4:
            return "deleted";
        case 5:
            return "processing";
        default:
            return "?";
    }
}

const char* service_status_name(const std::string& status) {
    if (status == "3")
        return "requested";
    if (status == "4")
        return "awaiting validation";
    if (status == "5")
        return "issued";
    if (status == "6")
        return "failed";
    return "not set";
}

// What one module run did.
struct Step {
    ModuleResult result;
    std::vector<Request> upstream;
    std::vector<MgrctlCall> mgrctl;  // paramlist reads left out

    std::vector<std::string> upstream_funcs() const {
        std::vector<std::string> funcs;
        for (const auto& r : upstream)
            funcs.push_back(r.func);
        return funcs;
    }
    int count(const std::string& func) const {
        int n = 0;
        for (const auto& r : upstream)
            n += r.func == func;
        return n;
    }
    Request request(const std::string& func) const {
        for (const auto& r : upstream)
            if (r.func == func)
                return r;
        throw Failure("no upstream request " + func + " (made: " + join(upstream_funcs(), ", ") +
                      ")");
    }
    bool called(const std::string& func) const {
        for (const auto& c : mgrctl)
            if (c.func == func)
                return true;
        return false;
    }
};

void expect_param(const Request& request, const std::string& name, const std::string& value) {
    expect(request.param(name) == value, request.func + ": " + name + " is \"" +
                                             shorten(request.param(name)) + "\", expected \"" +
                                             shorten(value) + "\"");
}

// ---- the demo ----

class Demo {
public:
    explicit Demo(World& world) : w_(world) {}

    void run();

private:
    Step step(const std::string& title, const std::vector<std::string>& args, int expected_exit = 0,
              const std::string& input = "");
    Step item_step(const std::string& title, const std::string& command, int item,
                   int expected_exit = 0) {
        return step(title, {"--command", command, "--item", std::to_string(item)}, expected_exit);
    }
    void note(const std::string& text) { say_text(".. ", text); }
    void show(const std::string& text) { say_text("   ", text); }
    void show_item(int item);
    // Prints the stored certificate; returns its serial.
    std::string show_certificate(int item, const std::string& key_pem);
    std::string issue(const std::string& upstream_id, const std::string& what);
    std::string upstream_expiry(const std::string& upstream_id);
    void intro(const CertificateOrder& order);
    void lost_reply();
    void summary();

    World& w_;
    int steps_ = 0;
    size_t requests_seen_ = 0;
    size_t calls_seen_ = 0;
    std::vector<Request> all_requests_;
    std::string start_balance_;
    std::vector<int> items_;
};

Step Demo::step(const std::string& title, const std::vector<std::string>& args, int expected_exit,
                const std::string& input) {
    const auto start = Clock::now();
    Step s;
    s.result = w_.run(args, input);
    const std::string elapsed = seconds_since(start);
    // The records grow for the whole demo (a --keep sandbox holds them all); take the new ones.
    std::vector<Request> requests = w_.upstream.requests();
    s.upstream.assign(requests.begin() + static_cast<long>(requests_seen_), requests.end());
    requests_seen_ = requests.size();
    all_requests_.insert(all_requests_.end(), s.upstream.begin(), s.upstream.end());
    std::vector<MgrctlCall> calls = w_.host.calls();
    for (size_t i = calls_seen_; i < calls.size(); ++i)
        if (calls[i].func != "paramlist")
            s.mgrctl.push_back(calls[i]);
    calls_seen_ = calls.size();

    say("");
    say("-- step " + std::to_string(++steps_) + ": " + title + "   (exit " +
        std::to_string(s.result.exit_code) + (s.result.timed_out ? ", timed out" : "") + ", " +
        elapsed + ")");
    std::vector<std::string> command{"pmbillmgrssl"};
    command.insert(command.end(), args.begin(), args.end());
    if (!input.empty())
        command.push_back("< (the module form: url, username, password)");
    say_wrapped("   $ ", command);
    for (const auto& r : s.upstream)
        say_wrapped("   upstream: ", request_words(r));
    for (const auto& c : s.mgrctl) {
        std::vector<std::string> words{c.func};
        for (const auto& [name, value] : c.params)
            words.push_back(param_text(name, value));
        say_wrapped("   mgrctl:   ", words);
    }
    if (s.upstream.empty() && s.mgrctl.empty())
        say("   (no upstream requests, no mgrctl calls)");
    const std::string error = error_text(s.result.out);
    if (!error.empty())
        say_text("   error:    ", error);
    expect(s.result.exit_code == expected_exit,
           title + ": exit " + std::to_string(s.result.exit_code) + ", expected " +
               std::to_string(expected_exit) + "\nstdout: " + s.result.out +
               "\nstderr: " + s.result.err);
    return s;
}

void Demo::show_item(int item) {
    pmtest::ItemRow row = w_.host.item_row(item);
    std::string service_status = w_.host.item_param(item, "service_status").value_or("");
    std::string text = "item #" + std::to_string(item) + ": status " + std::to_string(row.status) +
                       " (" + item_status_name(row.status) + "), service_status " +
                       (service_status.empty() ? "-" : service_status) + " (" +
                       service_status_name(service_status) + ")";
    if (auto id = w_.host.item_param(item, "upstream_id"))
        text += ", upstream id " + *id;
    if (row.expiredate)
        text += ", expires " + *row.expiredate;
    show(text);
}

std::string Demo::show_certificate(int item, const std::string& key_pem) {
    auto row = w_.host.certificate_row(item);
    expect(row && row->crt && contains(*row->crt, "-----BEGIN CERTIFICATE-----"),
           "no certificate saved for item #" + std::to_string(item));
    X509Ptr cert = read_certificate(*row->crt);
    expect(cert != nullptr, "the saved certificate does not parse");
    const bool matches = certificate_matches_key(cert.get(), key_pem);
    expect(row->pkey == key_pem, "the stored private key changed");
    expect(matches, "the saved certificate does not match the stored private key");
    const std::string serial = serial_text(cert.get());
    say_text("   certificate: ", "subject " + name_text(X509_get_subject_name(cert.get())) +
                                     ", DNS " + join(dns_names(cert.get()), " "));
    say_text("                ", "issuer " + name_text(X509_get_issuer_name(cert.get())));
    say_text("                ", "notAfter " + time_text(X509_get0_notAfter(cert.get())) +
                                     ", serial " + serial + ", matches the stored private key");
    return serial;
}

std::string Demo::issue(const std::string& upstream_id, const std::string& what) {
    const std::string expiry = w_.upstream.advance(upstream_id, "issued");
    say("");
    note("[upstream CA] " + what + " (fake upstream: /_admin/advance id=" + upstream_id +
         " to=issued, expires " + expiry + ")");
    return expiry;
}

std::string Demo::upstream_expiry(const std::string& upstream_id) {
    for (const auto& c : w_.upstream.state())
        if (c.id == upstream_id)
            return c.expiredate;
    throw Failure("no upstream certificate " + upstream_id);
}

void Demo::intro(const CertificateOrder& order) {
    say("== pmbillmgrssl sandbox ==");
    X509Ptr ca = read_certificate(pmtest::read_file(w_.upstream.ca_file()));
    expect(ca != nullptr, "cannot read the fake upstream's CA");
    say_text("fake upstream billing: ", w_.upstream.base_url() + ", account " + w_.upstream.user() +
                                            ", balance " + start_balance_ + " EUR");
    say_text("   test CA: ", name_text(X509_get_subject_name(ca.get())) + " (" +
                                 w_.upstream.ca_file() +
                                 ", trusted via CAFile in "
                                 "etc/pmbillmgrssl.conf)");
    say_text("fake BILLmanager: ", "root " + w_.host.root());
    say_text("   MariaDB: ", "socket " + pmtest::MariaDbServer::shared().socket_path() +
                                 ", database " + w_.host.db_name());
    say_text("   processing module #" + std::to_string(w_.module) + ": ",
             "pmbillmgrssl → the fake upstream, user " + w_.upstream.user() +
                 ", password stored crypted");
    say_text("   certificate service #" + std::to_string(order.item) + ": ",
             "for " + join(order.domains, " + ") + " (tariff " + order.tariff + " → upstream " +
                 order.upstream_pricelist + ", " +
                 std::to_string(w_.host.item_row(order.item).period) +
                 " months, CSR and key "
                 "in the certificate table)");
    say_text("module: ", std::string(PMBILLMGRSSL_EXE) +
                             " (run as BILLmanager runs it: cwd = the mgr root, one command per "
                             "run)");
    say_text("legend: ",
             "\"upstream:\" = requests the run sent to the upstream billing (out=xml lang=en "
             "left out, contact fields folded), \"mgrctl:\" = BILLmanager calls it made "
             "(paramlist reads left out), \"..\" = what happens outside the module");
}

void Demo::run() {
    start_balance_ = w_.upstream.balance();
    CertificateOrderOptions options;
    options.tariff = "positivessl-multidomain";
    options.upstream_pricelist = "117";
    options.cn = "example.com";
    options.altnames = {"www.example.com"};
    const CertificateOrder order = w_.add_order(options);
    const int item = order.item;
    const std::string item_id = std::to_string(item);
    items_.push_back(item);
    intro(order);

    // 1. The admin saves the processing module: BILLmanager checks the connection.
    Step s = step("check_connection", {"--command", "check_connection"}, 0,
                  w_.check_connection_input(w_.upstream.base_url(), pmtest::kUpstreamPassword));
    expect(!s.upstream.empty(), "check_connection sent nothing upstream");
    show("the upstream accepted the reseller's credentials");

    // 2. The customer paid: BILLmanager opens the service.
    s = item_step("open #" + item_id, "open", item);
    expect(s.count("certificate.order.param") == 1, "open: expected exactly one order request");
    Request placed = s.request("certificate.order.param");
    expect_param(placed, "pricelist", "117");
    expect_param(placed, "period", "12");
    expect_param(placed, "remoteid", item_id);
    expect_param(placed, "crt_type", "manual");
    expect_param(placed, "csr", order.csr.csr_pem);
    expect_param(placed, "altname", "www.example.com");
    expect(!placed.has("key"), "open: the private key was sent upstream");
    auto certs = w_.upstream.state();
    expect(certs.size() == 1, "open: expected one upstream order");
    const std::string upstream_id = certs.at(0).id;
    expect(w_.host.item_param(item, "upstream_id") == upstream_id, "open: upstream_id not saved");
    expect(w_.host.item_status(item) == 2, "open: the item is not active");
    expect(w_.host.item_param(item, "service_status") == "4", "open: not awaiting validation");
    show_item(item);
    show("upstream balance: " + start_balance_ + " → " + w_.upstream.balance() + " EUR (charged " +
         money(cents(start_balance_) - cents(w_.upstream.balance())) + ")");

    // 3. BILLmanager's periodic sync while the CA waits for domain validation.
    s = item_step("sync_item #" + item_id + " (pending)", "sync_item", item);
    expect(s.upstream_funcs() == std::vector<std::string>{"certificate.edit"},
           "sync_item (pending): expected one certificate.edit");
    expect(s.mgrctl.empty(), "sync_item (pending): expected no write-back");
    show_item(item);

    // 4. The CA issues it; the next sync fetches and stores it.
    std::string expiry = issue(upstream_id, "the domains are validated; the certificate is issued");
    s = item_step("sync_item #" + item_id + " (issued)", "sync_item", item);
    expect(s.called("certificate.save"), "sync_item (issued): certificate.save not called");
    expect(s.called("certificate.open"), "sync_item (issued): certificate.open not called");
    expect(w_.host.item_expiredate(item) == expiry, "sync_item (issued): expiry not set");
    expect(w_.host.item_param(item, "service_status") == "5", "sync_item (issued): not status 5");
    std::string serial = show_certificate(item, order.csr.key_pem);
    show_item(item);

    // 5. Reissue with nothing changed: the old request is reused.
    s = item_step("reopen #" + item_id + " (nothing changed → oldrequest)", "reopen", item);
    expect_param(s.request("certificate.reissue.step2"), "crt_type", "oldrequest");
    expect_param(s.request("certificate.reissue.step2"), "elid", upstream_id);
    expect(w_.host.item_param(item, "service_status") == "3", "reopen: not status 3");
    show_item(item);
    issue(upstream_id, "the reissued certificate is ready");
    s = item_step("sync_item #" + item_id + " (reissued)", "sync_item", item);
    expect(s.called("certificate.save"), "sync_item (reissued): certificate.save not called");
    expect(!s.called("certificate.open"), "sync_item (reissued): certificate.open repeated");
    std::string next_serial = show_certificate(item, order.csr.key_pem);
    expect(next_serial != serial, "sync_item (reissued): the certificate was not replaced");
    serial = next_serial;
    show_item(item);

    // 6. Reissue with another domain.
    say("");
    note(
        "[customer] adds shop.example.com in BILLmanager: itemparam altname \"www.example.com\" → "
        "\"www.example.com shop.example.com\" (old_altname keeps the previous list), one more "
        "approver e-mail");
    w_.host.set_item_param(item, "old_altname", "www.example.com");
    w_.host.set_item_param(item, "altname", "www.example.com shop.example.com");
    w_.host.set_item_param(item, "approver_email",
                           "admin@example.com,admin@example.com,admin@example.com");
    s = item_step("reopen #" + item_id + " (new domains → altname)", "reopen", item);
    Request reissue = s.request("certificate.reissue.step2");
    expect_param(reissue, "crt_type", "altname");
    expect_param(reissue, "altname", "www.example.com shop.example.com");
    expect(w_.host.item_param(item, "old_altname") == "www.example.com shop.example.com",
           "reopen (altname): old_altname not updated");
    show_item(item);
    issue(upstream_id, "the certificate for three domains is ready");
    s = item_step("sync_item #" + item_id + " (reissued)", "sync_item", item);
    next_serial = show_certificate(item, order.csr.key_pem);
    expect(next_serial != serial, "sync_item (altname): the certificate was not replaced");
    serial = next_serial;
    auto row = w_.host.certificate_row(item);
    X509Ptr cert = read_certificate(row->crt.value_or(""));
    auto names = dns_names(cert.get());
    expect(join(names, " ").find("shop.example.com") != std::string::npos,
           "sync_item (altname): shop.example.com is not in the certificate");
    show_item(item);

    // 7. Reissue with a new key: the customer uploads a new CSR.
    say("");
    note(
        "[customer] uploads a new CSR with a fresh RSA key for example.com, www.example.com, "
        "shop.example.com (BILLmanager stores it with the key in its certificate table)");
    pmtest::CsrPair next =
        pmtest::make_csr("example.com", {"example.com", "www.example.com", "shop.example.com"});
    w_.host.set_certificate(item, next.csr_pem, next.key_pem, row->crt);
    s = item_step("reopen #" + item_id + " (new CSR → manual)", "reopen", item);
    reissue = s.request("certificate.reissue.step2");
    expect_param(reissue, "crt_type", "manual");
    expect_param(reissue, "csr", next.csr_pem);
    expect(!reissue.has("key"), "reopen (manual): the private key was sent upstream");
    show_item(item);
    issue(upstream_id, "the certificate for the new key is ready");
    s = item_step("sync_item #" + item_id + " (reissued)", "sync_item", item);
    next_serial = show_certificate(item, next.key_pem);
    expect(next_serial != serial, "sync_item (manual): the certificate was not replaced");
    show_item(item);

    // 8. The customer pays for another year.
    const std::string balance_before = w_.upstream.balance();
    const std::string expiry_before = w_.host.item_expiredate(item).value_or("");
    s = item_step("prolong #" + item_id, "prolong", item);
    Request prolong = s.request("service.prolong");
    expect_param(prolong, "elid", upstream_id);
    expect_param(prolong, "period", "12");
    expect(s.called("service.postprolong"), "prolong: service.postprolong not called");
    const std::string renewed = w_.host.item_expiredate(item).value_or("");
    expect(renewed == add_months(expiry_before, 12),
           "prolong: expiry " + renewed + ", expected " + add_months(expiry_before, 12));
    expect(renewed == upstream_expiry(upstream_id), "prolong: expiry differs from the upstream's");
    expect(!w_.host.item_param(item, "prolong_attempt"), "prolong: the attempt mark remained");
    const std::string balance_after = w_.upstream.balance();
    expect(cents(balance_after) < cents(balance_before), "prolong: nothing was charged");
    show("expiry: " + expiry_before + " → " + renewed + " (here and upstream)");
    show("upstream balance: " + balance_before + " → " + balance_after + " EUR (charged " +
         money(cents(balance_before) - cents(balance_after)) + ")");
    show_item(item);

    lost_reply();

    // 10. The customer cancels: deleted upstream, closed locally.
    s = item_step("close #" + item_id, "close", item);
    expect_param(s.request("certificate.delete"), "elid", upstream_id);
    expect(s.called("service.postclose"), "close: service.postclose not called");
    expect(w_.host.item_status(item) == 4, "close: the item is not deleted");
    expect(w_.upstream.state().at(0).item_status == "4", "close: not deleted upstream");
    show_item(item);

    summary();
}

// A second service whose order reply is lost after the upstream committed it.
void Demo::lost_reply() {
    CertificateOrderOptions options;
    options.cn = "example.net";
    const CertificateOrder order = w_.add_order(options);
    const int item = order.item;
    const std::string item_id = std::to_string(item);
    items_.push_back(item);
    say("");
    note("[customer] orders example.net: certificate service #" + item_id + " (tariff " +
         order.tariff + " → upstream " + order.upstream_pricelist + ")");
    note(
        "[network] the upstream will take the next order, commit it, then drop the connection "
        "before replying (fake upstream fault drop_after_commit)");
    w_.upstream.fault("certificate.order.param", "drop_after_commit");

    Step s = item_step("open #" + item_id + " (the reply is lost)", "open", item, 1);
    expect(!error_text(s.result.out).empty(), "open (lost reply): no error document on stdout");
    expect(s.count("certificate.order.param") == 1, "open (lost reply): expected one order");
    expect(w_.upstream.state().size() == 2, "open (lost reply): the upstream did not commit");
    expect(w_.host.item_param(item, "order_attempt").has_value(),
           "open (lost reply): the attempt was not recorded");
    expect(!w_.host.item_param(item, "upstream_id"), "open (lost reply): an upstream_id appeared");
    show(
        "the order exists upstream but the module never heard back; it recorded order_attempt "
        "before sending, so the retry looks for the order before placing one");
    show_item(item);

    w_.upstream.clear_faults();
    say("");
    note("[BILLmanager] retries the open");
    s = item_step("open #" + item_id + " (retry: adopt, do not reorder)", "open", item);
    expect(s.count("certificate.order.param") == 0, "open (retry): ordered again");
    std::string adopted;
    int orders_for_item = 0;
    for (const auto& c : w_.upstream.state()) {
        if (c.remoteid != item_id)
            continue;
        ++orders_for_item;
        adopted = c.id;
    }
    expect(orders_for_item == 1, "open (retry): " + std::to_string(orders_for_item) +
                                     " upstream orders for service #" + item_id);
    expect(w_.host.item_param(item, "upstream_id") == adopted, "open (retry): not adopted");
    expect(w_.host.item_status(item) == 2, "open (retry): the item is not active");
    show("found in the upstream's certificate list by remoteid " + item_id + " and adopted: " +
         "exactly one upstream order for service #" + item_id + " (" + adopted + ")");
    show_item(item);

    s = item_step("close #" + item_id, "close", item);
    expect(s.count("certificate.delete") == 1, "close: no certificate.delete");
    expect(w_.host.item_status(item) == 4, "close: the item is not deleted");
    show_item(item);
}

void Demo::summary() {
    say("");
    say("== summary");
    auto certs = w_.upstream.state();
    std::vector<std::string> placed;
    for (int item : items_) {
        int n = 0;
        std::string id;
        for (const auto& c : certs) {
            if (c.remoteid == std::to_string(item)) {
                ++n;
                id = c.id;
            }
        }
        expect(n == 1, "service #" + std::to_string(item) + " has " + std::to_string(n) +
                           " upstream orders");
        placed.push_back("#" + std::to_string(item) + " → " + id);
    }
    expect(certs.size() == 2,
           "expected exactly 2 upstream orders, found " + std::to_string(certs.size()));
    say_text("upstream orders placed: ", std::to_string(certs.size()) + " (" + join(placed, ", ") +
                                             "), exactly one per service");
    int order_requests = 0;
    for (const auto& r : all_requests_)
        order_requests += r.func == "certificate.order.param";
    say_text("upstream requests: ", std::to_string(all_requests_.size()) + " in " +
                                        std::to_string(steps_) + " module runs, " +
                                        std::to_string(order_requests) +
                                        " of them certificate.order.param");
    const std::string end_balance = w_.upstream.balance();
    say_text("balance: ", start_balance_ + " → " + end_balance + " EUR, spent " +
                              money(cents(start_balance_) - cents(end_balance)) + " EUR");
    const std::string log_path = w_.host.root() + "/var/pmbillmgrssl.log";
    const std::string log = w_.log();
    expect(!log.empty(), "the module log is empty");
    expect(!contains(log, pmtest::kUpstreamPassword), "the upstream password is in the module log");
    expect(!contains(log, pmtest::MariaDbServer::kBillmgrPassword),
           "the database password is in the module log");
    size_t lines = 0;
    for (char c : log)
        lines += c == '\n';
    say_text("module log: ", log_path + " (" + std::to_string(lines) +
                                 " lines; no upstream or database password in it)");
}

// ---- failures ----

std::vector<std::string> last_lines(const std::string& text, size_t count) {
    std::vector<std::string> lines;
    size_t start = 0;
    while (start < text.size()) {
        size_t end = text.find('\n', start);
        if (end == std::string::npos)
            end = text.size();
        lines.push_back(text.substr(start, end - start));
        start = end + 1;
    }
    if (lines.size() > count)
        lines.erase(lines.begin(), lines.end() - static_cast<long>(count));
    return lines;
}

std::string shorten_line(const std::string& line) {
    return display_width(line) > kWidth ? utf8_prefix(line, kWidth - 3) + "…" : line;
}

// ---- the sandbox directory ----

std::string g_sandbox_dir;  // removed at exit unless --keep

void remove_sandbox_dir() {
    if (!g_sandbox_dir.empty())
        pmtest::remove_tree(g_sandbox_dir);
}

std::string escape_field(const std::optional<std::string>& value) {
    if (!value)
        return "\\N";
    std::string out;
    for (char c : *value) {
        if (c == '\n')
            out += "\\n";
        else if (c == '\t')
            out += "\\t";
        else if (c == '\\')
            out += "\\\\";
        else if (c != '\r')
            out += c;
    }
    return out;
}

// Every table of the sandbox database as tab-separated text, for reading without a server.
void dump_tables(World& w, const std::string& path) {
    std::string text;
    for (const auto& table : w.host.db().query("SHOW TABLES")) {
        const std::string name = table.at(0).value_or("");
        const std::string quoted = pmtest::quote_identifier(name);
        std::vector<std::string> columns;
        for (const auto& column : w.host.db().query("SHOW COLUMNS FROM " + quoted))
            columns.push_back(column.at(0).value_or(""));
        auto rows = w.host.db().query("SELECT * FROM " + quoted);
        text += "## " + name + " (" + std::to_string(rows.size()) + " rows)\n" +
                join(columns, "\t") + "\n";
        for (const auto& row : rows) {
            std::vector<std::string> fields;
            for (const auto& value : row)
                fields.push_back(escape_field(value));
            text += join(fields, "\t") + "\n";
        }
        text += "\n";
    }
    pmtest::write_file(path, text);
}

// A clean shutdown, so the kept data directory can be started again.
void stop_mariadb(const std::string& dir) {
    const std::string pid_text = pmtest::read_file(dir + "/mariadbd.pid");
    const pid_t pid = pid_text.empty() ? 0 : static_cast<pid_t>(std::stol(pid_text));
    try {
        pmtest::MariaDbServer::shared().admin_connection().execute_text("SHUTDOWN");
    } catch (const std::exception&) {
        // The server may close the connection before it answers.
    }
    for (int i = 0; pid > 0 && i < 300; ++i) {
        if (waitpid(pid, nullptr, WNOHANG) == pid || kill(pid, 0) != 0)
            return;
        std::this_thread::sleep_for(std::chrono::milliseconds(100));
    }
}

// Stops the fake upstream and MariaDB but leaves every file in place.
void keep_sandbox(World& w) {
    const std::string tables = g_sandbox_dir + "/billmgr-tables.tsv";
    try {
        dump_tables(w, tables);
    } catch (const std::exception& e) {
        say("(could not dump the tables: " + std::string(e.what()) + ")");
    }
    kill(-w.upstream.pid(), SIGKILL);
    waitpid(w.upstream.pid(), nullptr, 0);
    const std::string socket = pmtest::MariaDbServer::shared().socket_path();
    const std::string mariadb_dir = socket.substr(0, socket.rfind('/'));
    stop_mariadb(mariadb_dir);
    say("");
    say("kept for inspection: " + g_sandbox_dir);
    say_text("   mgr root:     ", w.host.root() +
                                      " (etc/pmbillmgrssl.conf, var/pmbillmgrssl.log, "
                                      "var/mgrctl.calls = every mgrctl call)");
    say_text("   tables:       ", tables);
    say_text("   MariaDB data: ", mariadb_dir + "/data (server stopped)");
    say_text("   upstream:     ",
             w.upstream.ca_file() + ", " + g_sandbox_dir + "/upstream-requests.log");
    say_text("   remove with:  ", "rm -rf " + g_sandbox_dir);
}

}  // namespace

int main(int argc, char** argv) {
    bool keep = false;
    for (int i = 1; i < argc; ++i) {
        std::string arg = argv[i];
        if (arg == "--keep") {
            keep = true;
        } else {
            std::cerr << "usage: sandbox_demo [--keep]\n"
                         "  Walks one certificate through its whole life against the fake "
                         "upstream\n  and the fake BILLmanager host; --keep keeps the sandbox "
                         "directory.\n";
            return arg == "-h" || arg == "--help" ? 0 : 2;
        }
    }
    const auto start = Clock::now();
    // One directory holds every temporary file (the harness makes them under $TMPDIR). The
    // handler is registered before MariaDB starts, so it runs after the server is stopped.
    g_sandbox_dir = pmtest::make_temp_dir("pmbillmgrssl-sandbox-");
    setenv("TMPDIR", g_sandbox_dir.c_str(), 1);
    std::atexit(remove_sandbox_dir);

    std::unique_ptr<World> world;
    std::unique_ptr<Demo> demo;
    int status = 0;
    try {
        pmtest::WorldOptions options;
        options.upstream.log_file = g_sandbox_dir + "/upstream-requests.log";
        world = std::make_unique<World>(options);
        demo = std::make_unique<Demo>(*world);
        demo->run();
        say("");
        say("sandbox OK (" + seconds_since(start) + ")");
    } catch (const std::exception& e) {
        status = 1;
        say("");
        say("sandbox FAILED: " + std::string(e.what()));
        if (world) {
            say("last lines of the module log (" + world->host.root() + "/var/pmbillmgrssl.log):");
            for (const auto& line : last_lines(world->log(), 12))
                say("  " + shorten_line(line));
        } else {
            say("(is everything installed? bash dist/install-deps.sh)");
        }
        if (!keep)
            say("rerun with --keep to inspect the sandbox");
    }
    if (keep && world) {
        keep_sandbox(*world);
        std::cout << std::flush;
        std::_Exit(status);  // skips the harness's clean-up, which would remove the files
    }
    demo.reset();
    world.reset();
    return status;
}
