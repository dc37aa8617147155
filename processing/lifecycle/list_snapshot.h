// One read of the upstream's certificate list per burst of syncs. BILLmanager's syncitem cron
// runs `sync_item --item N` once per service, one process each: thousands within minutes.
// The first run that finds no fresh snapshot reads the list (paged, streamed) and writes the
// columns a sync needs to var/pmbillmgrssl.list.<module>.tsv; the runs after it, within
// ListCacheSeconds, read the file instead of the upstream, and ask certificate.edit only
// when their row changed since they last read it (or a certificate awaiting validation is
// due). Runs that find no fresh snapshot at once wait on one lock, so the list is read once.
// Only syncs use it: open, reopen, prolong and close always read the upstream itself.
#pragma once

#include <ctime>
#include <optional>
#include <set>
#include <string>
#include <unordered_map>

#include "lifecycle/certificate_api.h"

namespace pmb {

// The columns of a list row a sync needs: no secrets, no certificate body.
struct ListedRow {
    std::string id, item_status, service_status, expiredate, cn, remoteid, status_msg;

    static ListedRow from(const UpstreamCertificate& cert);
    // Changes whenever any column does: compared with what the item last recorded.
    std::string fingerprint() const;
};

// What a sync saw the last time it read its certificate with certificate.edit: the row's
// fingerprint and when (the item param list_seen, "<fingerprint> <unix time>").
struct ListSeen {
    std::string fingerprint;
    std::time_t read_at = 0;

    static ListSeen parse(const std::string& text);
    std::string text() const;
};

// Whether a sync must read its certificate although a fresh snapshot is at hand: its row is
// missing (only certificate.edit can tell whether it is gone), changed since it was last read,
// or the certificate awaits validation and pending_recheck_s passed since the last read.
bool needs_edit_read(const ListedRow* row, const ListSeen& seen, bool awaiting_validation,
                     std::time_t now, long pending_recheck_s);

// The rows of a snapshot that one run asked for (a sync: its own; a batch: its module's).
class ListSnapshot {
public:
    ListSnapshot(std::time_t taken, bool complete) : taken_(taken), complete_(complete) {}

    // Every row was listed (rows == p_elems): only then can a missing row mean "gone".
    bool complete() const { return complete_; }
    std::time_t taken() const { return taken_; }
    const ListedRow* find(const std::string& id) const;
    void keep(ListedRow row);

private:
    std::time_t taken_;
    bool complete_;
    std::unordered_map<std::string, ListedRow> rows_;
};

struct SnapshotSettings {
    std::string file;       // var/pmbillmgrssl.list.<module>.tsv
    std::string lock_file;  // var/run/pmbillmgrssl.list.<module>.lock
    long long module = 0;
    long max_age_s = 120;           // ListCacheSeconds; 0: no snapshot
    long lock_wait_s = 30;          // LockWait: then the run reads its certificate itself
    long pending_recheck_s = 3600;  // PendingRecheckSeconds
};

class ListSnapshots {
public:
    ListSnapshots(SnapshotSettings settings, CertificateApi& api)
        : settings_(std::move(settings)), api_(api) {}

    const SnapshotSettings& settings() const { return settings_; }
    // The snapshot with the rows of ids, found once per run: the file when it is fresh, else
    // the list read now and written. Null when snapshots are off, or when the list could not
    // be read or written (the sync then reads its certificate itself). Never throws for a
    // snapshot: a broken or stale file is ignored.
    const ListSnapshot* get(const std::set<std::string>& ids);

private:
    std::optional<ListSnapshot> load(const std::set<std::string>& ids, std::time_t now) const;
    ListSnapshot read_and_write(const std::set<std::string>& ids, std::time_t now);

    SnapshotSettings settings_;
    CertificateApi& api_;
    bool looked_ = false;
    std::optional<ListSnapshot> snapshot_;
};

}  // namespace pmb
