// How to reach the upstream: the module's settings over the module config's defaults.
#pragma once

#include <string>

#include "core/config.h"

namespace pmb::upstream {

struct Connection {
    std::string url;  // bare host (https://api.ispmanager.com) or a full API URL
    std::string username;
    std::string password;
    std::string ca_file;
    std::string ca_path;
    long connect_timeout_s = transport_defaults::kConnectTimeoutS;
    long timeout_s = transport_defaults::kTimeoutS;
    long max_response_bytes = transport_defaults::kMaxResponseBytes;
    int read_retries = transport_defaults::kReadRetries;
    long retry_delay_ms = transport_defaults::kRetryDelayMs;
    long command_budget_s = transport_defaults::kCommandBudgetS;
    long list_page_size = 500;  // p_cnt of the certificate list (ListPageSize)
};

}  // namespace pmb::upstream
