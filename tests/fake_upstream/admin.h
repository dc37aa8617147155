// Test-control endpoints under /_admin/ (no auth): drive certificates, inspect and inject faults.
#pragma once

#include <string>

#include "shared.h"

namespace fake_upstream {

struct AdminAnswer {
    int status = 200;
    std::string body;  // an XML document
};

// path is the part after "/_admin/", e.g. "advance" or "requests/clear".
AdminAnswer handle_admin(Shared& shared, const std::string& path, const ApiRequest& params);

}  // namespace fake_upstream
