// The module's own settings, etc/pmbillmgrssl.conf: one "Name value" per line, # comments.
#pragma once

#include <string>

#include "core/log.h"

namespace pmb {

// How the upstream is reached unless the config or the module says otherwise; both Config
// and upstream::Connection start from these.
namespace transport_defaults {
inline constexpr long kConnectTimeoutS = 10;
inline constexpr long kTimeoutS = 60;
inline constexpr long kMaxResponseBytes = 64L * 1024 * 1024;
inline constexpr int kReadRetries = 3;        // extra tries of read-only upstream calls
inline constexpr long kRetryDelayMs = 500;    // first backoff; doubles each try
inline constexpr long kCommandBudgetS = 180;  // no read retry starts once a command took this
}  // namespace transport_defaults

struct Config {
    LogLevel log_level = LogLevel::kInfo;
    long connect_timeout_s = transport_defaults::kConnectTimeoutS;
    long timeout_s = transport_defaults::kTimeoutS;
    std::string ca_file;  // empty: the system trust store
    std::string ca_path;
    long max_response_bytes = transport_defaults::kMaxResponseBytes;
    int read_retries = transport_defaults::kReadRetries;
    long retry_delay_ms = transport_defaults::kRetryDelayMs;
    long command_budget_s = transport_defaults::kCommandBudgetS;
    // Seconds a run waits for another run of the same service to finish.
    long lock_wait_s = 30;
    // Seconds one mgrctl call may take before it is killed.
    long mgrctl_timeout_s = 60;
    // Seconds after a charging call whose outcome was lost during which a retry that sees no
    // change upstream waits instead of sending it again (the upstream's views may lag).
    long charge_settle_s = 600;
    // The upstream's functions that re-send the approver mail and re-check the DNS record
    // (send_dv_email, send_dv_dns). Not public, so no default: probe_upstream finds them.
    std::string dcv_email_function;
    std::string dcv_dns_function;
    // Rows per page of the upstream's certificate list (p_cnt).
    long list_page_size = 500;
    // Seconds a snapshot of the certificate list serves sync_item runs; 0: no snapshot, every
    // sync reads its certificate with certificate.edit.
    long list_cache_s = 120;
    // Seconds after which a certificate still awaiting validation is read with
    // certificate.edit again although its list row did not change.
    long pending_recheck_s = 3600;

    // Missing file: defaults. Unknown key or bad value: pmb::Error naming file and line.
    static Config load(const std::string& path);
    static Config parse(const std::string& text, const std::string& origin);
};

}  // namespace pmb
