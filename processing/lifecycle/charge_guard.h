// The one guard around every upstream call that may charge: the order, the renewal and the
// reissue. Its marker, an item param, says "this operation may already have charged upstream",
// and holds what the upstream showed just before the call, so that a retry decides from a fresh
// read whether the call reached the upstream, and never sends it twice.
//
// The protocol, and where a kill -9 (or a lost reply) can land:
//  1. Save the marker "<operation>;sending;<unix time>;<snapshot>".
//     Killed before: nothing was sent, and the retry sends.
//  2. Make the call. Killed or cut off between the marker and the upstream applying the call:
//     the upstream still shows the snapshot, so the retry finds nothing changed and sends.
//     After the upstream applied it: the retry reads a change (any field of the snapshot, not
//     one) and only writes the result back.
//  3. An error document means the upstream refused: nothing was bought, the marker is dropped.
//     Any other failure (no reply, a broken one, an HTTP error from a proxy that may have passed
//     the request on) leaves the outcome unknown: the marker turns "unknown" and the run fails
//     with pmbillmgrssl_unknown_outcome. A retry of an "unknown" call that sees no change yet
//     waits (ChargeSettleSeconds) instead of sending again: the upstream's views may lag behind
//     its books (a list not showing a new order yet, an expiry that moves later).
//  4. The caller writes the result back, then finish() makes the marker "<operation>;done".
//     Killed before: the retry adopts again and writes the same values. After: a rerun of the
//     operation does nothing. A manual run (no operation) drops the marker instead.
// A marker is read only by a retry of the operation that saved it (the order's by every run,
// since upstream_id alone says it is done), so one left by an older operation never swallows a
// new, paid renewal. Markers written before this guard existed are honoured (see read()).
#pragma once

#include <ctime>
#include <functional>
#include <map>
#include <optional>
#include <string>

#include "billmgr/writeback.h"
#include "model/certificate.h"
#include "model/upstream_error.h"

namespace pmb {

// What the upstream showed of a certificate: field name -> value.
using UpstreamSnapshot = std::map<std::string, std::string>;

// The snapshot rule: every field of certificate.edit a change of which shows that a call
// reached the upstream (the status cells as numbers and as text, the item status, the expiry,
// the SANs, the certificate the form carries). An upstream may keep a certificate "issued"
// while a reissue is pending, so no single field decides.
UpstreamSnapshot snapshot_of(const UpstreamCertificate& cert);

struct ChargeMarker {
    enum class State { kNone, kSending, kUnknown, kDone };
    State state = State::kNone;
    std::string operation;      // empty for a manual run, or an order marker of before the guard
    std::time_t started = 0;    // when the call was started
    UpstreamSnapshot snapshot;  // what the upstream showed before it
    std::string note;           // what was asked, for staff; never compared

    bool pending() const { return state == State::kSending || state == State::kUnknown; }
    // The marker's text, and back; read() takes every format a version of the module wrote.
    std::string text() const;
    static ChargeMarker read(const std::string& text);
};

// Whether the earlier call of this operation reached the upstream, as a fresh read tells.
enum class EarlierCall {
    kNone,     // no earlier call of this operation: send
    kReached,  // the upstream changed since the snapshot: adopt, never send again
    kWait,     // its outcome is unknown and nothing shows yet: fail retryably, send nothing
    kNotSent,  // nothing changed (and the settle time is over): it never arrived, send again
};

class ChargeGuard {
public:
    using Clock = std::function<std::time_t()>;
    struct Settings {
        std::time_t settle_seconds = 600;
        Clock now;  // empty: the system clock
    };
    // Which runs read the marker: a retry of the same operation, or every run (the order).
    enum class Scope { kOperation, kAnyRun };

    ChargeGuard(Writeback& writeback, long long item, const std::string& marker_value,
                const char* marker_name, std::string operation, Scope scope, Settings settings);

    // The marker this run reads (kNone when it belongs to another operation).
    const ChargeMarker& earlier() const { return earlier_; }
    // The marker of the call this run made (after charge()).
    const ChargeMarker& current() const { return current_; }
    // This very operation finished already: a rerun does nothing.
    bool finished() const;
    // The verdict on the earlier call: reached when the upstream changed since the snapshot.
    EarlierCall judge(const UpstreamSnapshot& now) const;
    // The same, for a call whose effect is found by a search (an order found in the list).
    EarlierCall judge(bool found) const;
    // The error of kWait (BILLmanager runs the operation again later): the outcome of func is
    // still unknown; awaited says what the retry looks for.
    UpstreamError still_unknown(const std::string& func, const std::string& awaited) const;

    // Runs call under the protocol above and returns what it returns.
    template <typename Call>
    auto charge(const std::string& func, const UpstreamSnapshot& before, const std::string& note,
                Call call) -> decltype(call()) {
        start(before, note);
        try {
            return call();
        } catch (const UpstreamError& e) {
            throw failed(func, e);
        }
    }
    // The call went through but its result cannot be found yet (an order answered without a
    // certificate id and not listed yet): a retry waits for it as after a lost answer.
    void mark_unknown();
    // After the last write-back.
    void finish();

private:
    void start(const UpstreamSnapshot& before, const std::string& note);
    // Drops or marks the marker as the failure says; returns the error to throw.
    UpstreamError failed(const std::string& func, const UpstreamError& e);
    std::time_t now() const;
    bool settling() const;

    Writeback& writeback_;
    long long item_;
    const char* name_;
    std::string operation_;
    Settings settings_;
    ChargeMarker earlier_;
    ChargeMarker current_;
};

// An error document means the upstream refused: nothing was bought. Anything else (no reply,
// a broken reply, an HTTP error status that a proxy may have sent after passing the request on)
// leaves the outcome unknown.
bool surely_refused(const UpstreamError& e);

}  // namespace pmb
