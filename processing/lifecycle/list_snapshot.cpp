#include "lifecycle/list_snapshot.h"

#include <fstream>
#include <vector>

#include "core/atomic_file.h"
#include "core/digest.h"
#include "core/error.h"
#include "core/file_lock.h"
#include "core/log.h"
#include "core/paths.h"
#include "core/text.h"

namespace pmb {
namespace {

// Line 1: the magic, the format's version, the module, when the list was read. Then one line
// per row. The last line: "end", the rows written, p_elems (-1: not declared), complete.
constexpr const char* kMagic = "pmbillmgrssl-list";
constexpr const char* kVersion = "1";
constexpr size_t kRowFields = 7;
// A snapshot "taken" this far in the future is a clock jump or a forged file: not trusted.
constexpr std::time_t kClockSkewS = 60;

// A field never holds a tab or a line break: the file stays one row per line.
std::string cell(const std::string& text) {
    std::string out = text;
    for (char& c : out)
        if (c == '\t' || c == '\n' || c == '\r')
            c = ' ';
    return out;
}

std::string row_line(const ListedRow& row) {
    return join({cell(row.id), cell(row.item_status), cell(row.service_status),
                 cell(row.expiredate), cell(row.cn), cell(row.remoteid), cell(row.status_msg)},
                "\t") +
           "\n";
}

// Splits on tabs, keeping empty fields.
std::vector<std::string> fields_of(const std::string& line) {
    std::vector<std::string> fields;
    size_t start = 0;
    for (size_t tab = line.find('\t'); tab != std::string::npos; tab = line.find('\t', start)) {
        fields.push_back(line.substr(start, tab - start));
        start = tab + 1;
    }
    fields.push_back(line.substr(start));
    return fields;
}

}  // namespace

ListedRow ListedRow::from(const UpstreamCertificate& cert) {
    return {cert.id,
            std::to_string(cert.item_status),
            std::to_string(cert.service_status),
            cert.expiredate,
            cert.cn,
            cert.remoteid,
            cert.status_msg};
}

std::string ListedRow::fingerprint() const {
    return sha256_hex(row_line(*this)).substr(0, 16);
}

ListSeen ListSeen::parse(const std::string& text) {
    std::vector<std::string> parts = split(text, " ");
    ListSeen seen;
    if (parts.size() != 2)
        return seen;
    seen.fingerprint = parts[0];
    seen.read_at = static_cast<std::time_t>(parse_number(parts[1]).value_or(0));
    return seen;
}

std::string ListSeen::text() const {
    return fingerprint + " " + std::to_string(static_cast<long long>(read_at));
}

bool needs_edit_read(const ListedRow* row, const ListSeen& seen, bool awaiting_validation,
                     std::time_t now, long pending_recheck_s) {
    if (!row || row->fingerprint() != seen.fingerprint)
        return true;
    return awaiting_validation && now - seen.read_at >= pending_recheck_s;
}

const ListedRow* ListSnapshot::find(const std::string& id) const {
    auto it = rows_.find(id);
    return it == rows_.end() ? nullptr : &it->second;
}

void ListSnapshot::keep(ListedRow row) {
    std::string id = row.id;
    rows_.emplace(std::move(id), std::move(row));
}

const ListSnapshot* ListSnapshots::get(const std::set<std::string>& ids) {
    if (looked_)
        return snapshot_ ? &*snapshot_ : nullptr;
    looked_ = true;
    if (settings_.max_age_s <= 0)
        return nullptr;
    try {
        snapshot_ = load(ids, std::time(nullptr));
        if (snapshot_)
            return &*snapshot_;
        FileLock lock(settings_.lock_file);
        if (!lock.acquire(settings_.lock_wait_s)) {
            log_warning("another run is still reading the certificate list after " +
                        std::to_string(settings_.lock_wait_s) +
                        " s: this sync reads its certificate itself");
            return nullptr;
        }
        // The run that held the lock may have written it meanwhile.
        snapshot_ = load(ids, std::time(nullptr));
        if (!snapshot_)
            snapshot_ = read_and_write(ids, std::time(nullptr));
    } catch (const std::exception& e) {
        log_warning("no snapshot of the certificate list (" + std::string(e.what()) +
                    "): this sync reads its certificate itself");
        snapshot_.reset();
    }
    return snapshot_ ? &*snapshot_ : nullptr;
}

std::optional<ListSnapshot> ListSnapshots::load(const std::set<std::string>& ids,
                                                std::time_t now) const {
    std::ifstream in(settings_.file);
    if (!in)
        return std::nullopt;
    auto ignored = [&](const std::string& why) {
        log_warning("the snapshot " + settings_.file + " is ignored: " + why);
        return std::nullopt;
    };
    std::string line;
    std::getline(in, line);
    std::vector<std::string> head = fields_of(line);
    if (head.size() != 4 || head[0] != kMagic || head[1] != kVersion)
        return ignored("not a snapshot of this version");
    if (head[2] != std::to_string(settings_.module))
        return ignored("of another processing module");
    auto taken = parse_number(head[3]);
    if (!taken || *taken > now + kClockSkewS)
        return ignored("taken at an impossible time");
    if (now - *taken >= settings_.max_age_s) {
        log_debug("the snapshot " + settings_.file + " is stale");
        return std::nullopt;
    }
    std::vector<ListedRow> kept;
    long long rows = 0;
    while (std::getline(in, line)) {
        std::vector<std::string> f = fields_of(line);
        if (f[0] == "end") {
            auto written = f.size() == 4 ? parse_number(f[1]) : std::nullopt;
            if (!written || *written != rows || (f[3] != "0" && f[3] != "1"))
                return ignored("its end line does not match its rows");
            ListSnapshot snapshot(static_cast<std::time_t>(*taken), f[3] == "1");
            for (ListedRow& row : kept)
                snapshot.keep(std::move(row));
            return snapshot;
        }
        if (f.size() != kRowFields || f[0].empty())
            return ignored("a malformed row");
        ++rows;
        if (ids.count(f[0]))
            kept.push_back({f[0], f[1], f[2], f[3], f[4], f[5], f[6]});
    }
    return ignored("cut short (no end line)");
}

ListSnapshot ListSnapshots::read_and_write(const std::set<std::string>& ids, std::time_t now) {
    ensure_directory(settings_.file.substr(0, settings_.file.rfind('/')), "var directory");
    AtomicFile file(settings_.file, "the certificate list snapshot");
    file.write(
        join({kMagic, kVersion, std::to_string(settings_.module), std::to_string(now)}, "\t") +
        "\n");
    std::vector<ListedRow> kept;
    ListRead read = api_.each_certificate([&](const UpstreamCertificate& cert) {
        ListedRow row = ListedRow::from(cert);
        file.write(row_line(row));
        if (ids.count(row.id))
            kept.push_back(std::move(row));
        return true;
    });
    file.write(join({"end", std::to_string(read.rows), std::to_string(read.declared),
                     read.complete() ? "1" : "0"},
                    "\t") +
               "\n");
    file.commit();
    log_info(
        "read the certificate list of processing module " + std::to_string(settings_.module) +
        ": " + std::to_string(read.rows) + " rows" +
        (read.complete() ? "" : " (incomplete: p_elems " + std::to_string(read.declared) + ")") +
        ", snapshot " + settings_.file);
    ListSnapshot snapshot(now, read.complete());
    for (ListedRow& row : kept)
        snapshot.keep(std::move(row));
    return snapshot;
}

}  // namespace pmb
