#include "lifecycle/charge_guard.h"

#include <cctype>
#include <cstdio>

#include "core/log.h"
#include "core/text.h"

namespace pmb {
namespace {

using State = ChargeMarker::State;
using Failure = UpstreamError::Failure;

constexpr const char* kSending = "sending";
constexpr const char* kUnknown = "unknown";
constexpr const char* kDone = "done";

// The marker's separators, and the escape character, inside a snapshot's names and values.
std::string escaped(const std::string& text) {
    std::string out;
    for (unsigned char c : text) {
        if (c == '%' || c == ';' || c == '&' || c == '=') {
            char buf[4];
            std::snprintf(buf, sizeof buf, "%%%02X", c);
            out += buf;
        } else {
            out += static_cast<char>(c);
        }
    }
    return out;
}

std::string unescaped(const std::string& text) {
    std::string out;
    for (size_t i = 0; i < text.size(); ++i) {
        if (text[i] == '%' && i + 2 < text.size() &&
            std::isxdigit(static_cast<unsigned char>(text[i + 1])) &&
            std::isxdigit(static_cast<unsigned char>(text[i + 2]))) {
            out += static_cast<char>(std::stoi(text.substr(i + 1, 2), nullptr, 16));
            i += 2;
        } else {
            out += text[i];
        }
    }
    return out;
}

std::string snapshot_text(const UpstreamSnapshot& snapshot) {
    std::string out;
    for (const auto& [name, value] : snapshot)
        out += (out.empty() ? "" : "&") + escaped(name) + "=" + escaped(value);
    return out;
}

UpstreamSnapshot snapshot_from(const std::string& text) {
    UpstreamSnapshot snapshot;
    for (const auto& pair : split(text, "&")) {
        size_t eq = pair.find('=');
        if (eq != std::string::npos)
            snapshot[unescaped(pair.substr(0, eq))] = unescaped(pair.substr(eq + 1));
    }
    return snapshot;
}

std::vector<std::string> fields_of(const std::string& text) {
    std::vector<std::string> fields;
    size_t start = 0;
    for (size_t end; (end = text.find(';', start)) != std::string::npos; start = end + 1)
        fields.push_back(text.substr(start, end - start));
    fields.push_back(text.substr(start));
    return fields;
}

std::optional<std::time_t> midnight_utc(const std::string& date) {
    std::tm tm{};
    if (date_part(date).empty() || !strptime(date.c_str(), "%Y-%m-%d", &tm))
        return std::nullopt;
    return timegm(&tm);
}

// Before the guard: an order marker was "<YYYY-MM-DD> <pricelist>", of any run.
std::optional<ChargeMarker> legacy_order(const std::string& text) {
    auto space = text.find(' ');
    auto day = midnight_utc(text.substr(0, space));
    if (!day || text.find(';') != std::string::npos)
        return std::nullopt;
    ChargeMarker m;
    m.state = State::kSending;
    m.started = *day;
    if (space != std::string::npos)
        m.snapshot["pricelist"] = text.substr(space + 1);
    return m;
}

// Before the guard: "<operation>;<expiry the renewal started from>" and
// "<operation>;<crt_type>[;<csr sha256>]" (a reissue, sent from an issued certificate).
ChargeMarker legacy_attempt(const std::vector<std::string>& fields) {
    ChargeMarker m;
    m.state = State::kSending;
    m.operation = fields[0];
    if (midnight_utc(fields[1])) {
        m.snapshot["expiredate"] = fields[1];
    } else {
        m.snapshot["service_status"] = "5";
        m.note = fields[1] + (fields.size() > 2 ? ";" + fields[2] : "");
    }
    return m;
}

const char* state_word(State state) {
    return state == State::kUnknown ? kUnknown : kSending;
}

}  // namespace

UpstreamSnapshot snapshot_of(const UpstreamCertificate& cert) {
    return {
        {"service_status", std::to_string(cert.service_status)},
        {"status_msg", cert.status_msg},
        {"status", cert.status_text},
        {"item_status", std::to_string(cert.item_status)},
        {"item_status_text", cert.item_status_text},
        {"expiredate", cert.expiredate},
        {"altname", cert.altname},
        {"crt", cert.crt_sha256},
    };
}

std::string ChargeMarker::text() const {
    if (state == State::kDone)
        return operation + ";" + kDone;
    std::string out = operation + ";" + state_word(state) + ";" + std::to_string(started) + ";" +
                      snapshot_text(snapshot);
    return note.empty() ? out : out + ";" + escaped(note);
}

ChargeMarker ChargeMarker::read(const std::string& text) {
    if (text.empty())
        return {};
    if (auto order = legacy_order(text))
        return *order;
    std::vector<std::string> fields = fields_of(text);
    ChargeMarker m;
    m.operation = fields[0];
    if (fields.size() == 2 && fields[1] == kDone) {
        m.state = State::kDone;
        return m;
    }
    if (fields.size() >= 4 && (fields[1] == kSending || fields[1] == kUnknown)) {
        m.state = fields[1] == kUnknown ? State::kUnknown : State::kSending;
        m.started = static_cast<std::time_t>(parse_number(fields[2]).value_or(0));
        m.snapshot = snapshot_from(fields[3]);
        m.note = fields.size() > 4 ? unescaped(fields[4]) : "";
        return m;
    }
    if (fields.size() >= 2)
        return legacy_attempt(fields);
    // Unreadable: taken as a call that may have been sent, with nothing to compare.
    m.state = State::kSending;
    return m;
}

bool surely_refused(const UpstreamError& e) {
    switch (e.failure()) {
        case Failure::kAuth:
        case Failure::kTwoFactor:
        case Failure::kNotFound:
        case Failure::kBalance:
        case Failure::kApi:
            return true;
        default:
            return false;
    }
}

ChargeGuard::ChargeGuard(Writeback& writeback, long long item, const std::string& marker_value,
                         const char* marker_name, std::string operation, Scope scope,
                         Settings settings)
    : writeback_(writeback),
      item_(item),
      name_(marker_name),
      operation_(std::move(operation)),
      settings_(std::move(settings)) {
    ChargeMarker saved = ChargeMarker::read(marker_value);
    if (scope == Scope::kAnyRun || saved.operation == operation_)
        earlier_ = saved;
}

bool ChargeGuard::finished() const {
    return !operation_.empty() && earlier_.state == State::kDone;
}

EarlierCall ChargeGuard::judge(const UpstreamSnapshot& now) const {
    if (!earlier_.pending())
        return EarlierCall::kNone;
    std::string changes;
    for (const auto& [name, before] : earlier_.snapshot) {
        auto it = now.find(name);
        if (it != now.end() && it->second != before)
            changes += (changes.empty() ? "" : ", ") + name + " changed from '" + before +
                       "' to '" + it->second + "'";
    }
    if (changes.empty())
        return judge(false);
    log_warning(std::string(name_) + ": since the earlier call the upstream's " + changes);
    return EarlierCall::kReached;
}

EarlierCall ChargeGuard::judge(bool found) const {
    if (!earlier_.pending())
        return EarlierCall::kNone;
    if (found)
        return EarlierCall::kReached;
    return settling() ? EarlierCall::kWait : EarlierCall::kNotSent;
}

bool ChargeGuard::settling() const {
    return earlier_.state == State::kUnknown && now() - earlier_.started < settings_.settle_seconds;
}

UpstreamError ChargeGuard::still_unknown(const std::string& func,
                                         const std::string& awaited) const {
    const long long left = settings_.settle_seconds - (now() - earlier_.started);
    return UpstreamError(Failure::kTransport, errtype::kUnknownOutcome, func, awaited,
                         "the outcome of the earlier " + func +
                             " is still unknown and the "
                             "upstream does not show " +
                             awaited +
                             " yet; nothing was sent again. "
                             "The next try looks again (for " +
                             std::to_string(left) + " more seconds, then it sends anew)");
}

void ChargeGuard::start(const UpstreamSnapshot& before, const std::string& note) {
    current_ = ChargeMarker{State::kSending, operation_, now(), before, note};
    writeback_.save_param(item_, name_, current_.text());
}

UpstreamError ChargeGuard::failed(const std::string& func, const UpstreamError& e) {
    if (surely_refused(e)) {
        writeback_.drop_param(item_, name_);
        return e;
    }
    mark_unknown();
    if (e.type() == errtype::kUnknownOutcome)
        return e;
    return UpstreamError(Failure::kTransport, errtype::kUnknownOutcome, func, e.value(),
                         "the outcome of " + func + " is unknown (" + e.message() +
                             "); the next run checks the upstream before sending it again");
}

void ChargeGuard::mark_unknown() {
    current_.state = State::kUnknown;
    try {
        writeback_.save_param(item_, name_, current_.text());
    } catch (const std::exception& write_failed) {
        // Still "sending": the retry compares and sends when nothing changed.
        log_error(std::string("could not mark ") + name_ + " unknown: " + write_failed.what());
    }
}

void ChargeGuard::finish() {
    if (operation_.empty()) {
        writeback_.drop_param(item_, name_);
        return;
    }
    writeback_.save_param(item_, name_, ChargeMarker{State::kDone, operation_, 0, {}, ""}.text());
}

std::time_t ChargeGuard::now() const {
    return settings_.now ? settings_.now() : std::time(nullptr);
}

}  // namespace pmb
